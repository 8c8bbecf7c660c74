/**
 * @module
 * An instant as the console shows it: wall time in the display zone, the offset in the
 * text or on hover, and the UTC instant in `datetime` for machines.
 */
import { formatTime, isoTime, zoneNote } from './format.js'

/** Props of {@link ZonedTime}. */
export interface ZonedTimeProps {
  /** Milliseconds since the epoch. */
  ms: number
  /** IANA name of the display zone. */
  timeZone: string
  /** Shorter text where a column or page note names the zone already; default {@link formatTime}. */
  text?: string
}

/** `<time datetime="…Z" title="Asia/Kolkata (UTC+05:30)">2025-01-02 18:34:05 UTC+05:30</time>`. */
export function ZonedTime({ ms, timeZone, text }: ZonedTimeProps) {
  return (
    <time datetime={isoTime(ms)} title={zoneNote(ms, timeZone)}>
      {text ?? formatTime(ms, timeZone)}
    </time>
  )
}
