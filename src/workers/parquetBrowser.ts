/** Parquet → Arrow IPC with parquet-wasm, its wasm served from our origin and loaded on first use. */
import initParquet, { readParquet } from 'parquet-wasm/esm'
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url'

let ready: Promise<unknown> | undefined

export async function parquetToArrow(bytes: Uint8Array): Promise<Uint8Array> {
  ready ??= initParquet({ module_or_path: parquetWasmUrl })
  await ready
  return readParquet(bytes).intoIPCStream()
}
