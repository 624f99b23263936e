/**
 * Write failures for tests, without a full disk. Node's built-in modules are patched for the duration of `work`
 * (their ES module bindings follow through `syncBuiltinESMExports`, so the code under test sees the patch):
 *
 * - `redirectOpens`: opens for writing of the paths `match` picks go to /dev/full instead, where every write fails
 *   with a real ENOSPC from the kernel (Linux);
 * - `failAppends`: `fs.writeSync` on a file whose path `match` picks writes the first `after` lines whole, then half of
 *   the next one, then fails with ENOSPC (what a disk that fills in the middle of a line does to an appender);
 * - `failMkdirs`: `fs.mkdirSync` and fs/promises `mkdir` of the paths `match` picks fail with ENOSPC (a full disk
 *   has no room for a new folder's entry; there is no device to make that happen for real in a test).
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";

/** /dev/full exists (Linux): a write to it fails with ENOSPC. */
export const HAVE_DEV_FULL = fs.existsSync("/dev/full");

function enospc(syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { code: "ENOSPC", errno: -28, syscall });
}

function writing(flags: unknown): boolean {
  return typeof flags === "string" ? /[wa+]/.test(flags) : typeof flags === "number" && (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
}

async function patched<T>(apply: () => () => void, work: () => Promise<T>): Promise<T> {
  const restore = apply();
  syncBuiltinESMExports();
  try {
    return await work();
  } finally {
    restore();
    syncBuiltinESMExports();
  }
}

/** Run `work` with the write-opens (fs.openSync, fs/promises open) of paths `match` picks sent to /dev/full. */
export function redirectOpens<T>(match: (path: string) => boolean, work: () => Promise<T>): Promise<T> {
  return patched(() => {
    const openSync = fs.openSync;
    const open = fsp.open;
    fs.openSync = ((path: fs.PathLike, flags: fs.OpenMode = "r", mode?: fs.Mode) =>
      openSync(writing(flags) && match(String(path)) ? "/dev/full" : path, flags, mode)) as typeof fs.openSync;
    fsp.open = ((path: fs.PathLike, flags?: string | number, mode?: fs.Mode) =>
      open(writing(flags) && match(String(path)) ? "/dev/full" : path, flags, mode)) as typeof fsp.open;
    return () => {
      fs.openSync = openSync;
      fsp.open = open;
    };
  }, work);
}

/**
 * Run `work` with appends (fs.writeSync) to the files `match` picks failing after `after` whole writes: the next write
 * puts half of its bytes in the file, then fails with ENOSPC, as does every later one.
 */
export function failAppends<T>(match: (path: string) => boolean, after: number, work: () => Promise<T>): Promise<T> {
  return patched(() => {
    const openSync = fs.openSync;
    const writeSync = fs.writeSync;
    const fds = new Set<number>();
    let whole = 0;
    let halfWritten = false;
    fs.openSync = ((path: fs.PathLike, flags: fs.OpenMode = "r", mode?: fs.Mode) => {
      const fd = openSync(path, flags, mode);
      if (match(String(path))) fds.add(fd);
      return fd;
    }) as typeof fs.openSync;
    fs.writeSync = ((fd: number, buffer: NodeJS.ArrayBufferView | string, ...rest: unknown[]) => {
      const real = () => (writeSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
      if (!fds.has(fd) || typeof buffer === "string") return real();
      if (whole < after) {
        whole++;
        return real();
      }
      const [offset = 0, length = buffer.byteLength - offset] = rest as [number?, number?];
      if (!halfWritten && length > 1) {
        // half of the line reaches the file; the rest of it does not
        halfWritten = true;
        return writeSync(fd, buffer as Uint8Array, offset, Math.floor(length / 2));
      }
      throw enospc("write");
    }) as typeof fs.writeSync;
    return () => {
      fs.openSync = openSync;
      fs.writeSync = writeSync;
    };
  }, work);
}

/** Run `work` with the mkdirs (fs.mkdirSync, fs/promises mkdir) of paths `match` picks failing with ENOSPC. */
export function failMkdirs<T>(match: (path: string) => boolean, work: () => Promise<T>): Promise<T> {
  return patched(() => {
    const mkdirSync = fs.mkdirSync;
    const mkdir = fsp.mkdir;
    const fail = (path: fs.PathLike) => Object.assign(enospc("mkdir"), { path: String(path) });
    fs.mkdirSync = ((path: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
      if (match(String(path))) throw fail(path);
      return mkdirSync(path, options);
    }) as typeof fs.mkdirSync;
    fsp.mkdir = ((path: fs.PathLike, options?: fs.MakeDirectoryOptions) =>
      match(String(path)) ? Promise.reject(fail(path)) : mkdir(path, options)) as typeof fsp.mkdir;
    return () => {
      fs.mkdirSync = mkdirSync;
      fsp.mkdir = mkdir;
    };
  }, work);
}
