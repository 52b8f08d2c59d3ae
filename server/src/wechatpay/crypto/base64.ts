// Node's base64 decoder skips characters it does not know and ignores unused trailing bits, so two different
// strings can decode to the same bytes. Signed and encrypted material is accepted only in canonical form:
// decoding and re-encoding must give back the exact text (which also rules out bad characters and padding).

/** Decodes standard padded base64, or returns undefined when the text is not canonical base64. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (typeof text !== 'string' || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
