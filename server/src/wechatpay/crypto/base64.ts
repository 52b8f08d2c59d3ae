// Node's base64 decoder skips characters it does not know and ignores unused trailing bits, so two different
// strings can decode to the same bytes. Signed and encrypted material is accepted only in canonical form.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes standard padded base64, or returns undefined when the text is not canonical base64. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (typeof text !== 'string' || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
