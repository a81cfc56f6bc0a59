/**
 * A credential handed over in the link (`?token=…`): read once, kept in this tab's sessionStorage
 * for reloads, and taken out of the address bar so it does not linger in history, bookmarks,
 * screenshots or a Referer.
 */
const inMemory = new Map<string, string>();

export function takeUrlToken(storageKey: string): string | undefined {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    inMemory.set(storageKey, fromUrl);
    try {
      sessionStorage.setItem(storageKey, fromUrl);
    } catch {
      // Storage may be off (private mode): the token still lives in memory for this page.
    }
    url.searchParams.delete('token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(storageKey) ?? inMemory.get(storageKey);
  } catch {
    return inMemory.get(storageKey);
  }
}
