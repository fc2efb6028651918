package io.peerpulse.export.json;

import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.util.Map;

/**
 * Reads an export of an earlier version under today's names: the keys renamed since, each in the object (by the key
 * it stands under) where the exporter wrote it, read under its new name when the object lacks that name. Without this
 * such a key was unknown (skipped) and the component it holds read as absent ({@code null} or 0): an export of
 * 2026-12-06 read its loss thresholds as "not judged" and its score statistics as none; one of 2026-11-30 was
 * refused as "validationData.clock.clockSteps is missing", and with that key its poll counts would have read as 0.
 *
 * <ul>
 *   <li>before 46ba5db (2026-12-06), the naming rule: {@code counters.polls} … {@code skipped} ({@code …Count}),
 *       a sample's and a fallback's {@code timestamp} ({@code timestampEpochMs}), {@code sessionLatency.p50Ms}
 *       ({@code medianMs}), {@code probe.offsetTimestamp} ({@code offsetEpochMs}); {@code clock.clockSteps},
 *       added then, is read as none listed when the file has neither it nor {@code clockStepCount};</li>
 *   <li>before c910106 (2026-12-06): {@code qualityThresholds.lossFairFromPercent} and {@code lossPoorFromPercent}
 *       (a percentage: read as its ratio, 3.0 as 0.03, one not a number from 0 to 100 refused under its own
 *       name, as are the {@code value} and {@code threshold} of a {@code LOSS} reason in such a file: one with a
 *       percent name and not its ratio name), {@code scoreFairBelow}, {@code scorePoorBelow}, and the quality
 *       summaries' {@code scoreMin}, {@code scoreP5}, {@code scoreMedian}, {@code scoreMax}
 *       ({@code fairBelowScore} … {@code maxScore}).</li>
 * </ul>
 */
final class EarlierNames {

    private EarlierNames() {
    }

    /** Under the key an object stands under (an array's elements: the array's key): each earlier name, its new one. */
    private static final Map<String, Map<String, String>> RENAMED = Map.of(
            "counters", Map.of("polls", "pollCount", "measured", "measuredCount", "stale", "staleCount",
                    "unavailable", "unavailableCount", "failed", "failedCount", "rejected", "rejectedCount",
                    "skipped", "skippedCount"),
            "samples", Map.of("timestamp", "timestampEpochMs"),
            "fallback", Map.of("timestamp", "timestampEpochMs"),
            "sessionLatency", Map.of("p50Ms", "medianMs"),
            "probe", Map.of("offsetTimestamp", "offsetEpochMs"),
            "qualityThresholds", Map.of("lossFairFromPercent", "lossFairFromRatio",
                    "lossPoorFromPercent", "lossPoorFromRatio", "scoreFairBelow", "fairBelowScore",
                    "scorePoorBelow", "poorBelowScore"),
            "qualitySummary", Map.of("scoreMin", "minScore", "scoreP5", "p5Score", "scoreMedian", "medianScore",
                    "scoreMax", "maxScore"),
            "quality", Map.of("scoreMin", "minScore", "scoreP5", "p5Score", "scoreMedian", "medianScore",
                    "scoreMax", "maxScore"));

    /**
     * @param document the document as read
     * @param json     makes the objects changed
     * @return the document with its earlier names renamed; the same instance when it has none
     */
    static JsonValue upgrade(JsonValue document, JsonProvider json) {
        if (!(document instanceof JsonObject root)) {
            return document;
        }
        JsonValue multiplayer = root.get("multiplayerMetrics");
        JsonValue thresholds = multiplayer instanceof JsonObject m ? m.get("qualityThresholds") : null;
        // a file of percentages: one that has a percent name and not its ratio name. One with both is today's (its
        // reasons hold ratios) with a key it does not know, ignored as any unknown key is
        boolean percent = false;
        if (thresholds instanceof JsonObject t) {
            for (String ratio : new String[] {"lossFairFromRatio", "lossPoorFromRatio"}) {
                String earlier = ratio.replace("Ratio", "Percent");
                if (t.containsKey(earlier) && !t.containsKey(ratio)) {
                    percent = true;
                    checkPercentage(t.get(earlier), earlier);
                }
            }
        }
        return upgrade(root, "", percent, json);
    }

    /**
     * Refuses a threshold that is no percentage under the name the file gives it: read as a ratio, it would be
     * refused (or kept) under a name the file does not hold, its value divided by 100.
     */
    private static void checkPercentage(JsonValue value, String key) {
        if (value.getValueType() == JsonValue.ValueType.NULL) {
            return;
        }
        String path = "multiplayerMetrics.qualityThresholds." + key;
        if (!(value instanceof JsonNumber number)) {
            throw new IllegalArgumentException(path + ": expected a number (a percentage, as written before"
                    + " c910106), found " + value.getValueType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        double d = number.doubleValue();
        if (!(d >= 0 && d <= 100)) {
            String text = number.toString();
            throw new IllegalArgumentException(path + ": " + (text.length() > 40 ? text.substring(0, 40) + "…" : text)
                    + " is not a percentage from 0 to 100 (as written before c910106)");
        }
    }

    private static JsonValue upgrade(JsonValue value, String key, boolean percent, JsonProvider json) {
        if (value instanceof JsonArray array) {
            JsonArrayBuilder changed = null;
            for (int i = 0; i < array.size(); i++) {
                JsonValue element = array.get(i);
                JsonValue upgraded = upgrade(element, key, percent, json);
                if (upgraded != element && changed == null) {
                    changed = json.createArrayBuilder();
                    for (int j = 0; j < i; j++) {
                        changed.add(array.get(j));
                    }
                }
                if (changed != null) {
                    changed.add(upgraded);
                }
            }
            return changed == null ? array : changed.build();
        }
        if (!(value instanceof JsonObject object)) {
            return value;
        }
        JsonObjectBuilder changed = null;
        Map<String, String> renamed = RENAMED.getOrDefault(key, Map.of());
        for (Map.Entry<String, JsonValue> member : object.entrySet()) {
            String name = member.getKey();
            JsonValue part = upgrade(member.getValue(), name, percent, json);
            String now = renamed.get(name);
            if (now != null && !object.containsKey(now)) {
                changed = changed != null ? changed : json.createObjectBuilder(object);
                changed.remove(name).add(now, name.endsWith("Percent") ? ratio(part, json) : part);
            } else if (part != member.getValue()) {
                changed = changed != null ? changed : json.createObjectBuilder(object);
                changed.add(name, part);
            }
        }
        if (key.equals("clock") && !object.containsKey("clockSteps") && !object.containsKey("clockStepCount")) {
            changed = (changed != null ? changed : json.createObjectBuilder(object)).add("clockSteps",
                    JsonValue.EMPTY_JSON_ARRAY);
        }
        if (percent && key.equals("reasons") && json.createValue("LOSS").equals(object.get("metric"))) {
            changed = changed != null ? changed : json.createObjectBuilder(object);
            for (String number : new String[] {"value", "threshold"}) {
                if (object.containsKey(number)) {
                    changed.add(number, ratio(object.get(number), json));
                }
            }
        }
        return changed == null ? object : changed.build();
    }

    /** A percentage as its ratio; anything else (null, a wrong type) as it is, for the reading rules to judge. */
    private static JsonValue ratio(JsonValue percent, JsonProvider json) {
        return percent instanceof JsonNumber n ? json.createValue(n.doubleValue() / 100) : percent;
    }
}
