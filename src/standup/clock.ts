/** A moment as people on the board read it: date, time and zone in the team's time zone. */
export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, 24-hour */
  time: string;
  /** The zone's short generic name, e.g. ET. */
  zone: string;
}

/** Reads an instant in a time zone (`America/New_York` → ET). */
export function localTime(at: number, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortGeneric',
  }).formatToParts(new Date(at));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${part('year')}-${part('month')}-${part('day')}`, time: `${part('hour')}:${part('minute')}`, zone: part('timeZoneName') };
}

/** Which standup is due at `at`: the latest configured time already passed today that was not yet written. */
export function standupDue(
  at: number,
  schedule: { morning: string; evening: string; timeZone: string },
  written: (date: string, kind: 'morning' | 'evening') => boolean,
): 'morning' | 'evening' | null {
  const now = localTime(at, schedule.timeZone);
  const due = (['evening', 'morning'] as const).find((kind) => now.time >= schedule[kind]);
  return due && !written(now.date, due) ? due : null;
}
