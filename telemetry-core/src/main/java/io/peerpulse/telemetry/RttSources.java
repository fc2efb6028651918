package io.peerpulse.telemetry;

import io.peerpulse.telemetry.shared.Plugins;
import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Finds the {@link RttSource} for a connection among the {@link RttSourceProvider}s on the module
 * path and class path.
 *
 * @since 0.1.0
 */
public final class RttSources {

    private static final System.Logger LOG = System.getLogger(RttSources.class.getName());
    private static final String KIND = "RttSourceProvider";

    private RttSources() {
    }

    /**
     * The providers found with {@link ServiceLoader}, through the thread's context class loader when it sees
     * PeerPulse, else through PeerPulse's own ({@code Plugins.loaderFor}). A provider that cannot be loaded is logged
     * and left out; the others still load. Names are not checked here: an invalid or shared name is
     * logged once and fails only {@link #forConnection} when that provider would be chosen.
     *
     * @return the providers, in discovery order
     * @since 0.1.0
     */
    public static List<RttSourceProvider> providers() {
        return List.copyOf(Plugins.loadAll(ServiceLoader.load(RttSourceProvider.class,
                Plugins.loaderFor(RttSourceProvider.class))));
    }

    /**
     * The source of the first provider found with {@link ServiceLoader} that supports the connection
     * and creates a source for it; see {@link #forConnection(Object, List)}.
     *
     * @param connection a connection, e.g. a WebRTC peer connection
     * @return a new source reading that connection
     * @throws IllegalArgumentException naming the connection's class and the providers found, when
     *                                  none supports it; also each provider that could not be loaded and why
     *                                  (it may be the one that would have)
     * @throws IllegalStateException    as {@link #forConnection(Object, List)}
     * @since 0.1.0
     */
    public static RttSource forConnection(Object connection) {
        Plugins.Loaded<RttSourceProvider> loaded = Plugins.load(ServiceLoader.load(RttSourceProvider.class,
                Plugins.loaderFor(RttSourceProvider.class)));
        return forConnection(connection, loaded.providers(), loaded.notLoaded());
    }

    /**
     * The source of the first of the given providers that supports the connection and creates a source
     * for it. A provider whose {@code supports} throws is logged at WARNING and passed over; one whose
     * {@code create} throws or answers {@code null} is logged at WARNING with its name and the next
     * supporting provider is tried. A provider whose name is invalid or shared with another, or whose
     * {@code name()} throws, fails only when it would be chosen; otherwise it is logged once and passed over.
     *
     * @param connection a connection
     * @param providers  the providers to ask, in order
     * @return a new source reading that connection
     * @throws IllegalArgumentException naming the connection's class and the providers, when none supports it
     * @throws IllegalStateException    quoting the name, when the chosen provider's name is invalid or shared
     *                                  (naming its class when its {@code name()} threw);
     *                                  naming every supporting provider and why, when none of them made a
     *                                  source (the first failure is the cause, the others are suppressed; a
     *                                  failure's text that holds an address is quoted and chained without it)
     * @since 0.1.0
     */
    public static RttSource forConnection(Object connection, List<? extends RttSourceProvider> providers) {
        return forConnection(connection, providers, "");
    }

    /** As {@link #forConnection(Object, List)}; {@code notLoaded} ends the message when none supports it. */
    private static RttSource forConnection(Object connection, List<? extends RttSourceProvider> providers,
                                           String notLoaded) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(providers, "providers");
        Plugins.Catalog<RttSourceProvider> catalog = Plugins.<RttSourceProvider>catalog(providers, RttSourceProvider::name, KIND);
        String type = connection.getClass().getName();
        List<RuntimeException> failures = new ArrayList<>();
        for (RttSourceProvider provider : providers) {
            boolean supported;
            try {
                supported = provider.supports(connection);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, describe(provider) + " failed in supports(" + type + "); passed over",
                        Redaction.redactThrown(e));
                continue;
            }
            if (!supported) {
                continue;
            }
            catalog.problemOf(provider).ifPresent(problem -> {
                throw new IllegalStateException(problem + "; it supports a connection of type " + type);
            });
            IllegalStateException failure;
            try {
                RttSource source = provider.create(connection);
                if (source != null) {
                    return source;
                }
                failure = new IllegalStateException(describe(provider) + " returned no source for a connection of type "
                        + type);
            } catch (RuntimeException e) {
                // a provider's message may quote the connection's peer or a STUN/TURN URL
                Throwable safe = Redaction.redactThrown(e);
                failure = new IllegalStateException(describe(provider) + " failed to create a source for a"
                        + " connection of type " + type + ": " + safe, safe);
            }
            LOG.log(Level.WARNING, failure.getMessage() + "; trying the next provider that supports it",
                    failure.getCause());
            failures.add(failure);
        }
        if (!failures.isEmpty()) {
            StringBuilder message = new StringBuilder("no RttSourceProvider could create a source for a connection of"
                    + " type " + type + ": ");
            for (int i = 0; i < failures.size(); i++) {
                message.append(i == 0 ? "" : "; ").append(failures.get(i).getMessage());
            }
            IllegalStateException all = new IllegalStateException(message.toString(), failures.get(0).getCause());
            failures.stream().skip(1).forEach(all::addSuppressed);
            throw all;
        }
        throw new IllegalArgumentException("no RttSourceProvider supports a connection of type " + type
                + "; providers found: " + (catalog.names().isEmpty() ? "none" : String.join(", ", catalog.names()))
                + notLoaded);
    }

    private static String describe(RttSourceProvider provider) {
        String name;
        try {
            name = "'" + Redaction.redact(provider.name()) + "' "; // an invalid name may be anything
        } catch (RuntimeException e) {
            name = ""; // a broken name() is said where the catalog finds it
        }
        return KIND + " " + name + "(" + provider.getClass().getName() + ")";
    }
}
