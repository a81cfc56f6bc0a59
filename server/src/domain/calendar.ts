/**
 * An iCalendar (RFC 5545) file of one event, written here rather than by a library: the few lines a
 * session needs, with the two rules that matter done properly — TEXT values escaped (backslash,
 * semicolon, comma, line breaks) and content lines folded at 75 octets without splitting a UTF-8
 * character (a Chinese title is three octets a character).
 */

export interface CalendarEvent {
  /** Globally unique and stable: the same session's file imported twice updates one entry. */
  uid: string;
  title: string;
  start: Date;
  end: Date;
  url: string;
  description: string;
  /** When this file was made (DTSTAMP). */
  stamp: Date;
}

/** A control character other than tab (line breaks are escaped before this is asked). */
const isControl = (char: string): boolean => {
  const code = char.charCodeAt(0);
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
};

/** A TEXT value (RFC 5545 §3.3.11): `\` `;` `,` escaped, every line break as `\n`. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .split(/\r\n|\r|\n/)
    // Other control characters are not allowed in a TEXT value at all (§3.1): dropped.
    .map((line) => [...line].filter((char) => !isControl(char)).join(''))
    .join('\\n');
}

/** UTC date-time form (§3.3.5, form #2): 20260301T020000Z. */
export function utcStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Folds one content line (§3.1): at most 75 octets a line, continuation lines start with a space. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    // The first line holds 75 octets; a continuation's leading space is one of its 75.
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** The whole file, CRLF line ends (§3.1). */
export function calendarFile(event: CalendarEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Chunfeng Live//Session calendar//ZH',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${escapeText(event.uid)}`,
    `DTSTAMP:${utcStamp(event.stamp)}`,
    `DTSTART:${utcStamp(event.start)}`,
    `DTEND:${utcStamp(event.end)}`,
    `SUMMARY:${escapeText(event.title)}`,
    `DESCRIPTION:${escapeText(event.description)}`,
    // A URI value, not TEXT: not escaped (the URL serializer already percent-encodes what must be).
    `URL:${event.url}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
