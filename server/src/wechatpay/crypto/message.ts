// The one place that builds the strings WeChat Pay APIv3 signs. The client, the notification parser and the
// sandbox all import these, so a request can never be signed one way and verified another.

/** `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`; target is the raw path + '?' + query exactly as sent; body '' for GET. */
export function buildRequestMessage(method: string, target: string, timestamp: string | number, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${target}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** `TIMESTAMP\nNONCE\nBODY\n` for responses and notifications; an empty body still ends with `\n`. */
export function buildResponseMessage(timestamp: string | number, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** `appId\ntimeStamp\nnonceStr\npackage\n` for wx.requestPayment's paySign (signType is not signed). */
export function buildPaySignMessage(appId: string, timeStamp: string, nonceStr: string, pkg: string): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`;
}

/** The third line WeChat Pay signs for a statement download: the JSON of the SHA-1 header, not the CSV. */
export function statementDigestBody(sha1Hex: string): string {
  return `{"sha1":"${sha1Hex}"}`;
}
