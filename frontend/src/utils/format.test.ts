import { floorTenth, formatBytes, formatEta, formatGiB, formatMiB, formatMiBExact, formatPercent, formatSpeed } from './format';

describe('formatMiB', () => {
  it.each([
    [0, '0 MiB'],
    [1023, '1023 MiB'],
    [1024, '1.0 GiB'],
    [1536, '1.5 GiB'],
    [1024 * 1024 - 1, '1024.0 GiB'],
    [1.5 * 1024 * 1024, '1.5 TiB'],
  ])('shows %d MiB as %s, in base 1024', (mb, text) => {
    expect(formatMiB(mb)).toBe(text);
  });

  it('shows a dash when the size is unknown', () => {
    expect(formatMiB(null)).toBe('—');
  });
});

describe('formatMiBExact', () => {
  it.each([
    [0, '0 MiB'],
    [60, '60 MiB'],
    [1023, '1023 MiB'],
    [1024, '1.0 GiB (1024 MiB)'],
    [1536, '1.5 GiB (1536 MiB)'],
  ])('shows %d MiB as %s, adding the MiB count only when the main figure is in another unit', (mb, text) => {
    // Act
    const shown = formatMiBExact(mb);

    // Assert
    expect(shown).toBe(text);
  });

  it('shows a dash when the size is unknown', () => {
    expect(formatMiBExact(null)).toBe('—');
  });
});

describe('formatBytes', () => {
  it('counts bytes in base 1024 with IEC units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(2_119_237_632)).toBe('2.0 GiB');
    expect(formatBytes(1.5 * 1024 ** 4)).toBe('1.5 TiB');
  });
});

describe('formatSpeed', () => {
  it('shows speeds under 1 MiB/s in KiB/s', () => {
    expect(formatSpeed(0.5)).toBe('512 KiB/s');
    expect(formatSpeed(0.0625)).toBe('64 KiB/s');
  });

  it('shows MiB/s from 1 MiB/s and GiB/s from 1024 MiB/s', () => {
    expect(formatSpeed(1)).toBe('1.0 MiB/s');
    expect(formatSpeed(812.4)).toBe('812.4 MiB/s');
    expect(formatSpeed(2048)).toBe('2.0 GiB/s');
  });

  it('shows zero for no speed at all', () => {
    expect(formatSpeed(0)).toBe('0 KiB/s');
  });
});

describe('formatGiB, formatEta and formatPercent', () => {
  it('gives totals in GiB', () => {
    expect(formatGiB(0)).toBe('0.0 GiB');
    expect(formatGiB(9536)).toBe('9.3 GiB');
  });

  it('gives the time left in seconds, minutes or hours', () => {
    expect(formatEta(3.4)).toBe('4 s');
    expect(formatEta(125)).toBe('2 min 5 s');
    expect(formatEta(3720)).toBe('1 h 2 min');
    expect(formatEta(null)).toBe('—');
  });

  it('floors a percent to one decimal so an unfinished download never reads 100%', () => {
    expect(formatPercent(99.99)).toBe('99.9%');
    expect(formatPercent(41.96)).toBe('41.9%');
    expect(floorTenth(120)).toBe(100);
    expect(floorTenth(-3)).toBe(0);
  });
});
