// The msw server every test shares; unhandled requests fail the test (see setup.ts).
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { ErrorCode } from '@/types';
import { makeGpu, makeHealth } from './fixtures';

export const server = setupServer();

export const url = (path: string) => new URL(path, window.location.origin).toString();

export function ok<T>(data: T, status = 200) {
  return HttpResponse.json({ success: true, data, error: null }, { status });
}

export function fail(status: number, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  return HttpResponse.json({ success: false, data: null, error: { code, message, details } }, { status });
}

/** The page's background requests, answered with an empty list, a live CPU worker and one downloader. */
export function backgroundHandlers(models: unknown[] = []) {
  return [
    http.get(url('/api/models'), () => ok(models)),
    http.get(url('/api/system/gpu'), () => ok(makeGpu())),
    http.get(url('/api/health'), () => ok(makeHealth())),
  ];
}
