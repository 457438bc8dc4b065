import { getLocalPathError, getRepoIdError, normalizeRepoInput, REPO_ID_INVALID, REPO_ID_REQUIRED } from './validation';

describe('getRepoIdError', () => {
  it('accepts owner/name ids', () => {
    expect(getRepoIdError('google/gemma-2-2b')).toBeNull();
    expect(getRepoIdError('TinyLlama/TinyLlama-1.1B-Chat-v1.0')).toBeNull();
  });

  it('refuses other text with the seed message', () => {
    expect(getRepoIdError('not a repo id!')).toBe(REPO_ID_INVALID);
    expect(getRepoIdError('org/name/extra')).toBe(REPO_ID_INVALID);
    expect(REPO_ID_INVALID).toBe('Invalid format. Use owner/repo-name (e.g., google/gemma-2-2b)');
  });

  it('asks for an id when the field is empty', () => {
    expect(getRepoIdError('')).toBe(REPO_ID_REQUIRED);
  });
});

describe('normalizeRepoInput', () => {
  it('turns a pasted hub URL into org/name', () => {
    expect(normalizeRepoInput('https://huggingface.co/org/name')).toEqual({ value: 'org/name', error: null });
    expect(normalizeRepoInput(' huggingface.co/org/name?x=1 ')).toEqual({ value: 'org/name', error: null });
  });

  it('accepts a URL of the main branch', () => {
    expect(normalizeRepoInput('https://huggingface.co/org/name/tree/main')).toEqual({ value: 'org/name', error: null });
  });

  it('refuses a URL naming another branch, since the API downloads main', () => {
    const result = normalizeRepoInput('https://huggingface.co/org/name/tree/dev');
    expect(result.error).toMatch(/"dev".*main/);
  });

  it('leaves a plain id alone', () => {
    expect(normalizeRepoInput('org/name')).toEqual({ value: 'org/name', error: null });
  });
});

describe('getLocalPathError', () => {
  it('wants an absolute path', () => {
    expect(getLocalPathError('/data/models/x')).toBeNull();
    expect(getLocalPathError('models/x')).toMatch(/absolute/);
    expect(getLocalPathError('')).toMatch(/required/);
  });
});
