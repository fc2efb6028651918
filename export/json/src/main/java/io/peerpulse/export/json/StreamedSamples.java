package io.peerpulse.export.json;

import io.peerpulse.telemetry.RttSample;
import jakarta.json.bind.serializer.DeserializationContext;
import jakarta.json.bind.serializer.JsonbDeserializer;
import jakarta.json.stream.JsonParser;
import java.lang.reflect.Type;
import java.util.List;
import java.util.function.Supplier;

/**
 * Binds a {@code List<RttSample>} that {@link ReportStream} streamed into primitive arrays: in the tree
 * bound, a number stands for it, the index of the list among those of the document being bound (set for
 * the binding's thread by {@link #binding}). Given only to the {@link RecordsByComponents} of the JSON-B instance
 * that binds such trees.
 */
final class StreamedSamples implements JsonbDeserializer<List<RttSample>> {

    private static final ThreadLocal<List<List<RttSample>>> LISTS = new ThreadLocal<>();

    /**
     * Runs {@code binding} with {@code lists} as the samples the numbers in its tree stand for.
     *
     * @param lists   the streamed lists, by index
     * @param binding the binding
     * @param <T>     what it binds
     * @return what it bound
     */
    static <T> T binding(List<List<RttSample>> lists, Supplier<T> binding) {
        LISTS.set(lists);
        try {
            return binding.get();
        } finally {
            LISTS.remove();
        }
    }

    /**
     * The list the number at the parser stands for.
     *
     * @param parser  at the number
     * @param context not used
     * @param type    {@code List<RttSample>}
     * @return the list
     */
    @Override
    public List<RttSample> deserialize(JsonParser parser, DeserializationContext context, Type type) {
        List<List<RttSample>> lists = LISTS.get();
        if (lists == null) {
            throw new IllegalStateException("samples are bound here only in place of streamed ones");
        }
        return lists.get(parser.getInt());
    }
}
