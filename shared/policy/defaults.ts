/**
 * The bundled GloVe-SIF model's semantic thresholds, fitted for logit pooling with the rules
 * pillar on 671 labelled prompts (the development set and a tuning set of other kinds). They
 * are deliberately softer than a stand-alone logistic fit of the margins (center ≈ 0.018,
 * scale ≈ 0.010): a bag-of-words model is often confidently wrong when a prompt merely shares
 * a topic with a cluster, so its evidence is spread wider and its confidence saturates later.
 */
export const BUNDLED_SEMANTIC_THRESHOLDS = {
  center: 0.005,
  scale: 0.04,
  minSimilarity: 0,
  confidenceMargin: 0.05,
  /** Shipped, not fitted on the user's data: `routellm doctor` still suggests `routellm calibrate`. */
  calibratedAt: null,
}
