// The site's gzipped IDX files, decoded for the JavaScript variants of the benchmark.
async function idx(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
  const view = new DataView(bytes.buffer);
  const ndim = bytes[3];
  const dims = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * ndim) };
}

// x: Float64Array(n*784) in 0..1, labels: Uint8Array(n); the first `limit` images.
export async function loadSplit(base, part, limit = Infinity) {
  const images = await idx(`${base}mnist-012-${part}-images.idx.gz`);
  const labels = await idx(`${base}mnist-012-${part}-labels.idx.gz`);
  const n = Math.min(limit, images.dims[0]);
  const x = new Float64Array(n * 784);
  for (let i = 0; i < n * 784; i++) x[i] = images.data[i] / 255;
  return { n, x, labels: labels.data.slice(0, n) };
}
