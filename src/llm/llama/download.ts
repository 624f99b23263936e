/**
 * `hf:` (and https:) models: downloaded once into the model cache by node-llama-cpp's downloader, with bounded
 * waits and advice for offline machines.
 */
import { statSync } from "node:fs";
import { ModelConfigError } from "../errors.js";
import { loadNodeLlamaCpp, progressReporter } from "./engine.js";
import { defaultModelCacheDir, parseLlamaSpec, type LlamaModelOptions, type NodeLlamaCpp } from "./spec.js";

function offlineAdvice(uri: string, cacheDir: string, cachedPath: string | undefined): string {
  const m = /^hf:([^/]+\/[^/:]+)/.exec(uri);
  const page = m ? `the Hugging Face repo ${m[1]}` : uri;
  return (
    `Either download the .gguf file by hand (from ${page}) and pass llama:/path/to/file.gguf ` +
    `(or set TOOLFLOW_LLAMA_MODEL to it), or put it in the model cache ` +
    `${cachedPath ? `as ${cachedPath}` : `folder ${cacheDir}`}, ` +
    `or set HF_ENDPOINT (or MODEL_ENDPOINT) to a reachable Hugging Face mirror.`
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolvePromise(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}


/**
 * Get a local file for a remote model (`hf:` URI or URL): the cached copy when there is one, else a download
 * into `cacheDir` with progress. Reaching the server is bounded by `downloadTimeoutMs`, and a download that stalls
 * for `downloadStallMs` is aborted; both fail with a ModelConfigError telling how to get the file by hand.
 */
export async function downloadLlamaModel(
  uri: string,
  options: Pick<LlamaModelOptions, "cacheDir" | "onProgress" | "downloadTimeoutMs" | "downloadStallMs" | "importer"> = {},
): Promise<string> {
  const nlc = await loadNodeLlamaCpp(options.importer);
  const cacheDir = options.cacheDir ?? defaultModelCacheDir();
  const model = `llama:${uri}`;
  // 1. Already downloaded? (no network)
  let cachedPath: string | undefined;
  try {
    return await nlc.resolveModelFile(uri, { directory: cacheDir, download: false, cli: false });
  } catch (err) {
    // Not in the cache. node-llama-cpp's message names the file it looked for, when there is exactly one.
    cachedPath = /found at "([^"]+)"/.exec((err as Error).message ?? "")?.[1];
  }
  // 2. Reach the server (bounded).
  const timeoutMs = options.downloadTimeoutMs ?? 30_000;
  const progress = await progressReporter(options.onProgress);
  let downloader: Awaited<ReturnType<NodeLlamaCpp["createModelDownloader"]>>;
  try {
    downloader = await withTimeout(
      nlc.createModelDownloader({
        modelUri: uri,
        dirPath: cacheDir,
        showCliProgress: false,
        skipExisting: true,
        deleteTempFileOnCancel: false,
        onProgress: (s) => progress.report({ phase: "download", downloadedBytes: s.downloadedSize, totalBytes: s.totalSize }),
      }),
      timeoutMs,
      () => new Error(`no answer from the download server within ${timeoutMs} ms`),
    );
  } catch (err) {
    progress.stop();
    throw new ModelConfigError(
      `cannot download ${uri}: ${(err as Error).message ?? String(err)}. This machine may be offline. ${offlineAdvice(uri, cacheDir, cachedPath)}`,
      { model, cause: err },
    );
  }
  // 3. Download, aborting when it stalls.
  const controller = new AbortController();
  const stallMs = options.downloadStallMs ?? 60_000;
  let last = -1;
  let lastChange = Date.now();
  const watchdog = setInterval(() => {
    const now = downloader.downloadedSize;
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      controller.abort(new Error(`the download made no progress for ${stallMs} ms`));
    }
  }, Math.min(1000, stallMs));
  try {
    const file = await downloader.download({ signal: controller.signal });
    // An aborted download can resolve as if it had finished: check that the whole file is there.
    if (controller.signal.aborted) throw controller.signal.reason;
    let size = -1;
    try {
      size = statSync(file).size;
    } catch {
      // missing
    }
    if (downloader.totalFiles === 1 && size !== downloader.totalSize) {
      throw new Error(`the downloaded file ${file} is incomplete (${Math.max(0, size)} of ${downloader.totalSize} bytes)`);
    }
    return file;
  } catch (err) {
    await downloader.cancel({ deleteTempFile: false }).catch(() => {});
    const reason = controller.signal.aborted ? (controller.signal.reason as Error) : (err as Error);
    throw new ModelConfigError(
      `downloading ${uri} failed: ${reason?.message ?? String(reason)}. ${offlineAdvice(uri, cacheDir, cachedPath)}`,
      { model, cause: err },
    );
  } finally {
    clearInterval(watchdog);
    progress.stop();
  }
}

/**
 * The local GGUF file of a `llama:` spec and the model id: an existing file (else a ModelConfigError naming it),
 * or the cached / downloaded copy of an `hf:` model or URL.
 */
export async function resolveLlamaModelFile(
  spec: string,
  options: Pick<LlamaModelOptions, "cacheDir" | "onProgress" | "downloadTimeoutMs" | "downloadStallMs" | "importer"> = {},
): Promise<{ id: string; path: string }> {
  const source = parseLlamaSpec(spec);
  const id = spec.startsWith("llama:") ? spec : `llama:${spec}`;
  if (source.kind === "remote") return { id, path: await downloadLlamaModel(source.uri, options) };
  let ok = false;
  try {
    ok = statSync(source.path).isFile();
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ModelConfigError(
      `model file not found: ${source.path}. Pass llama:/path/to/model.gguf (an existing GGUF file) or llama:hf:user/repo/file.gguf`,
      { model: id },
    );
  }
  return { id, path: source.path };
}
