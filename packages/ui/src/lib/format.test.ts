import { expect, it } from 'vitest';
import { formatDuration, formatRelative } from './format';

it('formats durations at a precision that fits their size', () => {
  expect(formatDuration(850)).toBe('850 ms');
  expect(formatDuration(1234)).toBe('1.23 s');
  expect(formatDuration(12_345)).toBe('12.3 s');
  expect(formatDuration(245_000)).toBe('4 m 05 s');
  expect(formatDuration(7_800_000)).toBe('2 h 10 m');
  expect(formatDuration(-1)).toBe('–');
});

it('says how far a time is from now, either way', () => {
  expect(formatRelative(1000, 1500)).toBe('just now');
  expect(formatRelative(0, 5000)).toBe('5 s ago');
  expect(formatRelative(10 * 60_000, 0)).toBe('in 10 min');
  expect(formatRelative(0, 3 * 3_600_000)).toBe('3 h ago');
});
