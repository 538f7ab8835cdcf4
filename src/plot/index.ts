export {
  ACCURACY_TITLE,
  DEFAULT_HEAD_COLORS,
  LOSS_TITLE,
  discoverHeads,
  epochCount,
  headLabel,
  historySpec,
  renderHistoryPlot,
  renderVegaLiteSvg,
  seriesLabel,
} from './history_plot.js';
export type { HeadKeys, HistoryPlotOptions, HistoryRecord, HistoryRow, HistorySpecOptions } from './history_plot.js';
export {
  GRID_DEFAULTS,
  WRONG_COLOR,
  captionParts,
  cellOverlaySvg,
  escapeXml,
  gridLayout,
  renderPredictionGrid,
} from './grid.js';
export type { GridCell, GridImage, GridLayout, GridOptions, RawImage } from './grid.js';
export { textWidth, truncateToWidth, useDejaVuTextMetrics, vegaTextWidth } from './text_width.js';
export { escapeMarkup, html, raw, Markup, type Interpolation } from './markup.js';
export { confusionSpec, unseenOutcomeSpec, type ConfusionHead, type UnseenOutcomes } from './eval_specs.js';
export { isolateSvgIds } from './inline_svg.js';
