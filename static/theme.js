// Applies the reader's chosen theme before the page paints (loaded in <head>, so no flash of the
// other theme). The choice comes from ?theme=dark|light in the URL, else from local storage (set by
// the header's theme switch); without one the page follows prefers-color-scheme.
(function () {
  try {
    var fromUrl = new URLSearchParams(location.search).get("theme");
    var theme = fromUrl === "dark" || fromUrl === "light"
      ? fromUrl
      : localStorage.getItem("peak-theme");
    if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
  } catch (_) {
    // No storage (private mode, blocked): the page follows prefers-color-scheme.
  }
})();
