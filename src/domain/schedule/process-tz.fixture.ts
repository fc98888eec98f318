// A fixed set of schedule computations, run both inside the test process and in child processes
// with another TZ, to prove that no result depends on the zone of the machine.
import { firstWindow, lastWindow, localDateAt, nextOpening, windowAt, windowForDay } from './windows.js';
import type { Schedule, Window } from './types.js';

const berlin: Schedule = {
  startOn: '2026-03-27',
  endOn: '2026-11-03',
  operationalStartTime: '02:30',
  operationalEndTime: '04:00',
  timeZone: 'Europe/Berlin',
  operationalDays: [],
  operationFrequency: 'DAILY',
};

const newYorkMondays: Schedule = {
  ...berlin,
  startOn: '2026-10-01',
  endOn: null,
  operationalStartTime: '22:00',
  operationalEndTime: '02:00',
  timeZone: 'America/New_York',
  operationalDays: ['MONDAY'],
  operationFrequency: 'WEEKLY',
};

const wholeDayMonthly: Schedule = {
  ...berlin,
  startOn: '2026-01-31',
  endOn: '2026-12-31',
  operationalStartTime: null,
  operationalEndTime: null,
  timeZone: 'Asia/Tokyo',
  operationFrequency: 'MONTHLY',
};

const show = (w: Window | null) =>
  w && `${w.day} ${w.opensAt.toISOString()} ${w.closesAt.toISOString()}`;

export function probeResults(): Record<string, unknown> {
  return {
    springForward: show(windowForDay(berlin, '2026-03-29')),
    fallBack: show(nextOpening(berlin, new Date('2026-10-24T23:00:00Z'))),
    insideRepeatedHour: show(windowAt(berlin, new Date('2026-10-25T01:30:00Z'))),
    berlinFirst: show(firstWindow(berlin)),
    berlinLast: show(lastWindow(berlin)),
    afterEnd: show(nextOpening(berlin, new Date('2026-11-03T03:00:00Z'))),
    mondayNight: show(windowAt(newYorkMondays, new Date('2026-11-03T05:30:00Z'))),
    nextMonday: show(nextOpening(newYorkMondays, new Date('2026-10-30T12:00:00Z'))),
    tokyoApril: show(nextOpening(wholeDayMonthly, new Date('2026-04-01T00:00:00Z'))),
    tokyoLast: show(lastWindow(wholeDayMonthly)),
    kiritimatiToday: localDateAt(new Date('2026-03-01T10:00:00Z'), 'Pacific/Kiritimati'),
    losAngelesToday: localDateAt(new Date('2026-03-01T07:59:00Z'), 'America/Los_Angeles'),
  };
}
