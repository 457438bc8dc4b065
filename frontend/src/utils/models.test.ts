import { makeModel } from '@/test/fixtures';
import { diskSummary, sharingRecords, sortModels } from './models';

describe('sortModels', () => {
  const a = makeModel({ name: 'alpha', disk_size_mb: 10, status: 'ready' });
  const b = makeModel({ name: 'Beta', disk_size_mb: 300, status: 'loaded' });
  const c = makeModel({ name: 'gamma', disk_size_mb: null, status: 'downloading' });

  it('sorts by name without regard to case', () => {
    expect(sortModels([c, b, a], 'name').map((m) => m.name)).toEqual(['alpha', 'Beta', 'gamma']);
  });

  it('sorts by size, largest first and unknown last', () => {
    expect(sortModels([a, c, b], 'size').map((m) => m.name)).toEqual(['Beta', 'alpha', 'gamma']);
  });

  it('sorts by status, loaded first', () => {
    expect(sortModels([a, c, b], 'status').map((m) => m.name)).toEqual(['Beta', 'gamma', 'alpha']);
  });
});

describe('diskSummary', () => {
  it('counts each downloaded revision once and local folders apart', () => {
    // Arrange: Q4 and Q8 of one repo share a copy; a download in flight has no complete files yet.
    const models = [
      makeModel({ repo_id: 'org/a', quantization: 'Q4', disk_size_mb: 1000 }),
      makeModel({ repo_id: 'org/a', quantization: 'Q8', disk_size_mb: 1000, status: 'loaded' }),
      makeModel({ repo_id: 'org/b', disk_size_mb: 500, status: 'downloading' }),
      makeModel({ repo_id: 'org/c', disk_size_mb: 24, status: 'error', error_stage: 'load' }),
      makeModel({ source: 'local', repo_id: null, local_path: '/x', disk_size_mb: 700 }),
    ];

    // Act
    const summary = diskSummary(models);

    // Assert
    expect(summary).toEqual({ downloaded: 3, revisions: 2, managedMb: 1024, downloading: 1, localFolders: 1, localMb: 700 });
  });
});

describe('sharingRecords', () => {
  it('finds the other records of the same repo revision', () => {
    const q4 = makeModel({ repo_id: 'org/a', quantization: 'Q4' });
    const q8 = makeModel({ repo_id: 'org/a', quantization: 'Q8' });
    const other = makeModel({ repo_id: 'org/b' });
    expect(sharingRecords(q4, [q4, q8, other])).toEqual([q8]);
  });

  it('finds nothing for a local folder', () => {
    const local = makeModel({ source: 'local', repo_id: null, local_path: '/x' });
    expect(sharingRecords(local, [local])).toEqual([]);
  });
});
