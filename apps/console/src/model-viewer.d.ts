/** model-viewer's pre-built bundle (the one the storefront serves) registers the <model-viewer> element; it exports nothing the console uses. */
declare module '@google/model-viewer/dist/model-viewer.min.js';
