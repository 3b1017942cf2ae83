/** Minimal terminal styling: only when stdout is a TTY and NO_COLOR is unset. */
const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: string) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = paint('1');
export const dim = paint('2');
export const green = paint('32');
export const red = paint('31');
export const cyan = paint('36');

export function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function step(number: number, title: string, detail: string): void {
  line(`${bold(`${number}.`)} ${title.padEnd(18)} ${detail}`);
}

export function note(text: string): void {
  line(`   ${dim(text)}`);
}

export function block(text: string): void {
  for (const row of text.split('\n')) line(`   ${cyan('│')} ${row}`);
}

/** Describes Set-Cookie headers without their values: name and attributes only. */
export function describeCookie(header: string): string {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  const name = pair.split('=')[0];
  return `${name} (${attributes.join('; ')})`;
}
