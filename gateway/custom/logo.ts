/** The custom connector's logo (the gateway serves it itself; there is no connector process). */
export const customLogoSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><rect x="4" y="4" width="56" height="56" rx="14" fill="#f59e0b"/><path d="M20 38l8-14 8 10 6-8 6 12" fill="none" stroke="#fff" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/><circle cx="20" cy="44" r="3" fill="#fff"/></svg>';
