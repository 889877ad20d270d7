/** The whole body of an isomorphic-git HTTP response (or request), read into one buffer. */
export async function collectBody(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (body) for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** `bytes` as the body isomorphic-git reads: an async iterator of one chunk. */
export async function* bodyOf(bytes: Buffer): AsyncIterableIterator<Uint8Array> {
  yield bytes;
}
