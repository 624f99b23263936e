/** A URL (or any text holding URLs) without user-info: `http://user:key@host` -> `http://[redacted]@host`. */
export function stripUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@"]*@/gi, "$1[redacted]@");
}
