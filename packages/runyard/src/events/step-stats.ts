import type { RunEvent } from './run-event.js';

export type StepStatus = 'RUNNING' | 'UP_FOR_RETRY' | 'SUCCESS' | 'FAILURE' | 'SKIPPED';

export interface StepStats {
  readonly stepKey: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly startTime?: number;
  readonly endTime?: number;
}

/** Each step's state as its events tell it, in the order steps first appear. */
export function stepStatsFromEvents(events: readonly RunEvent[]): StepStats[] {
  const stats = new Map<string, { -readonly [K in keyof StepStats]: StepStats[K] }>();
  for (const event of events) {
    const key = event.stepKey;
    if (!key) continue;
    let s = stats.get(key);
    const ensure = () => {
      if (!s) {
        s = { stepKey: key, status: 'RUNNING', attempts: 0 };
        stats.set(key, s);
      }
      return s;
    };
    switch (event.type) {
      case 'STEP_START':
      case 'STEP_RESTARTED': {
        const st = ensure();
        st.status = 'RUNNING';
        st.attempts += 1;
        st.startTime ??= event.timestamp;
        break;
      }
      case 'STEP_UP_FOR_RETRY':
        ensure().status = 'UP_FOR_RETRY';
        break;
      case 'STEP_SUCCESS':
      case 'STEP_FAILURE':
      case 'STEP_SKIPPED': {
        const st = ensure();
        st.status = event.type === 'STEP_SUCCESS' ? 'SUCCESS' : event.type === 'STEP_FAILURE' ? 'FAILURE' : 'SKIPPED';
        st.endTime = event.timestamp;
        break;
      }
      default:
        break;
    }
  }
  return [...stats.values()];
}
