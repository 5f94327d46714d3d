package io.recsysnightly.eval;

import java.util.Map;

/**
 * One model's evaluation: flat headline metrics ({@code ndcg@10} ...; what the gate and the
 * summary read) and the breakdowns the run report plots (per segment, per activity bucket, long
 * tail, score histogram, coverage by category).
 */
public record ModelEvaluation(Map<String, Double> metrics, Map<String, Object> details) {}
