/** WCAG contrast lives with the theme (@storeloom/theme): the API's theme-settings warnings and the editor's agree. */
export { AA_LARGE, AA_NORMAL, contrastRatio, luminance } from '@storeloom/theme';
