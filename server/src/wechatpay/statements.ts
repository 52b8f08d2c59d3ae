// Statement files (GET /v3/global/statements): CSV, first row the header, data cells prefixed with a backtick.
// The 38 columns are mapped by position, so the file parses whether its header is in Chinese or English.

export const STATEMENT_COLUMNS = [
  'trade_time',
  'appid',
  'mchid',
  'sub_mchid',
  'device_id',
  'transaction_id',
  'out_trade_no',
  'openid',
  'trade_type',
  'trade_state',
  'bank_type',
  'recharge_coupon_currency',
  'recharge_coupon_amount',
  'coupon_currency',
  'coupon_amount',
  'refund_id',
  'out_refund_no',
  'refund_type',
  'refund_status',
  'goods_name',
  'attach',
  'fee',
  'fee_rate',
  'currency',
  'total_amount',
  'payer_currency',
  'payer_amount',
  'settlement_currency',
  'settlement_amount',
  'exchange_rate',
  'refund_exchange_rate',
  'refund_amount',
  'payer_refund_currency',
  'payer_refund_amount',
  'refund_settlement_currency',
  'refund_settlement_amount',
  'recharge_coupon_refund_amount',
  'coupon_refund_amount',
] as const;

export type StatementColumn = (typeof STATEMENT_COLUMNS)[number];

/** One data row; amounts stay decimal strings in the currency's major unit as the file writes them. */
export type StatementRow = Record<StatementColumn, string> & { cells: string[] };

export interface Statement {
  header: string[];
  rows: StatementRow[];
  /** Trailing summary block (mainland-format files have one): its header and value rows. */
  summary?: { header: string[]; rows: string[][] };
  /** The file text as downloaded (decompressed). */
  text: string;
  /** Lower-case hex SHA-1 of the text, as checked against `Wechatpay-Statement-Sha1`. */
  sha1: string;
}

/** Splits one CSV line, honouring double quotes. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function unTick(cell: string): string {
  const t = cell.trim();
  return t.startsWith('`') ? t.slice(1) : t;
}

export function parseStatementCsv(text: string, sha1 = ''): Statement {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) return { header: [], rows: [], text, sha1 };
  const header = splitCsvLine(lines[0]!).map((h) => h.trim());
  const rows: StatementRow[] = [];
  let i = 1;
  for (; i < lines.length; i++) {
    const raw = splitCsvLine(lines[i]!);
    // Data rows start with a backtick; the first line that does not is the summary header.
    if (!raw[0]?.trim().startsWith('`')) break;
    const cells = raw.map(unTick);
    const row = { cells } as StatementRow;
    STATEMENT_COLUMNS.forEach((name, idx) => {
      row[name] = cells[idx] ?? '';
    });
    rows.push(row);
  }
  let summary: Statement['summary'];
  if (i < lines.length) {
    summary = { header: splitCsvLine(lines[i]!).map((h) => h.trim()), rows: lines.slice(i + 1).map((l) => splitCsvLine(l).map(unTick)) };
  }
  return { header, rows, summary, text, sha1 };
}
