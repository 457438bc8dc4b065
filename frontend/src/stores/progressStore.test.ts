import { makeProgress } from '@/test/fixtures';
import { isStalled, STALL_AFTER_MS, useProgressStore } from './progressStore';

const store = () => useProgressStore.getState();

describe('progressStore', () => {
  it('keeps the latest sample of a download', () => {
    store().recordDownload(makeProgress({ model_id: 7, progress: 10, bytes_downloaded: 100 }), 1000);
    expect(store().downloads[7]).toMatchObject({ progress: 10, bytesDownloaded: 100, lastGrowthAt: 1000 });
  });

  it('never lets the progress go back', () => {
    store().recordDownload(makeProgress({ model_id: 7, progress: 50, bytes_downloaded: 500 }), 1000);
    store().recordDownload(makeProgress({ model_id: 7, progress: 40, bytes_downloaded: 400 }), 2000);
    expect(store().downloads[7]).toMatchObject({ progress: 50, bytesDownloaded: 500, lastGrowthAt: 1000 });
  });

  it('never passes 100', () => {
    store().recordDownload(makeProgress({ model_id: 7, progress: 104 }), 1000);
    expect(store().downloads[7]?.progress).toBe(100);
  });

  it('seeds a page opened mid-download from the list, upwards only', () => {
    store().seedDownload(7, 42, 1000);
    store().seedDownload(7, 30, 2000);
    expect(store().downloads[7]).toMatchObject({ progress: 42, lastGrowthAt: 1000 });
  });

  it('does not seed a download that has not started', () => {
    store().seedDownload(7, 0);
    store().seedDownload(8, null);
    expect(store().downloads).toEqual({});
  });

  it('calls a download stalled after 10 s without new bytes, and not before the first byte', () => {
    store().recordDownload(makeProgress({ model_id: 7, progress: 0, bytes_downloaded: 0 }), 0);
    expect(isStalled(store().downloads[7], STALL_AFTER_MS * 5)).toBe(false);
    store().recordDownload(makeProgress({ model_id: 7, progress: 5, bytes_downloaded: 50 }), 1000);
    expect(isStalled(store().downloads[7], 1000 + STALL_AFTER_MS - 1)).toBe(false);
    expect(isStalled(store().downloads[7], 1000 + STALL_AFTER_MS)).toBe(true);
  });

  it('keeps the load stage and forgets it when cleared', () => {
    store().recordLoad(7, 'quantizing', 55);
    expect(store().loads[7]).toEqual({ stage: 'quantizing', progress: 55 });
    store().clearLoad(7);
    expect(store().loads[7]).toBeUndefined();
  });

  it('is empty again after reset', () => {
    store().recordDownload(makeProgress({ model_id: 7 }));
    store().reset();
    expect(store().downloads).toEqual({});
  });
});
