package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.telemetry.spi.RttSourceProvider;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Proves that the provider contract passes a good provider and fails bad ones, saying why. */
class RttSourceProviderContractSelfTest {

    /** A connection type the providers below support. */
    record Connection(String id) { }

    private static final RttSource SOURCE = () -> CompletableFuture.completedStage(RttReading.stale());

    record Provider(String name, Predicate<Object> supports, Function<Object, RttSource> create)
            implements RttSourceProvider {
        static Provider good(String name) {
            return new Provider(name, c -> c instanceof Connection, c -> {
                if (!(c instanceof Connection)) {
                    throw new IllegalArgumentException("not a Connection: " + c.getClass().getName());
                }
                return SOURCE;
            });
        }

        @Override
        public boolean supports(Object connection) {
            return supports.test(connection);
        }

        @Override
        public RttSource create(Object connection) {
            return create.apply(connection);
        }
    }

    private static final class Kit extends RttSourceProviderContract {
        private final RttSourceProvider provider;

        Kit(RttSourceProvider provider) {
            this.provider = provider;
        }

        @Override
        protected RttSourceProvider createProvider() {
            return provider;
        }

        @Override
        protected Object supportedConnection() {
            return new Connection("c");
        }
    }

    @Test
    void passesAGoodProvider() {
        Kit kit = new Kit(Provider.good("acme-rtt"));
        assertThatCode(() -> {
            kit.nameIsValidAndStable();
            kit.supportsTellsConnectionsApart();
            kit.createMakesASource();
            kit.createFailsClearlyForAnUnsupportedConnection();
        }).doesNotThrowAnyException();
    }

    @Test
    void failsAnInvalidName() {
        assertThatThrownBy(new Kit(Provider.good("Acme RTT"))::nameIsValidAndStable)
                .isInstanceOf(AssertionError.class).hasMessageContaining("name() is 'Acme RTT'");
    }

    @Test
    void failsSupportsThatThrowsOnAnotherConnection() {
        Provider throwing = new Provider("acme", c -> ((Connection) c).id() != null, c -> SOURCE);
        assertThatThrownBy(new Kit(throwing)::supportsTellsConnectionsApart)
                .isInstanceOf(AssertionError.class).hasMessageContaining("threw instead of answering false");
    }

    @Test
    void failsCreateAnsweringNull() {
        Provider lazy = new Provider("acme", c -> c instanceof Connection, c -> null);
        assertThatThrownBy(new Kit(lazy)::createMakesASource)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("create(" + Connection.class.getName() + ") answered null");
    }

    @Test
    void failsANameThatThrowsNamingTheMethod() {
        RttSourceProvider nameless = new Nameless();
        assertThatThrownBy(new Kit(nameless)::nameIsValidAndStable)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("name() threw java.lang.UnsupportedOperationException: todo");
    }

    @Test
    void failsCreateThatThrowsForASupportedConnectionNamingTheMethod() {
        Provider failing = new Provider("acme", c -> c instanceof Connection, c -> {
            throw new IllegalStateException("no socket");
        });
        assertThatThrownBy(new Kit(failing)::createMakesASource)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("create(" + Connection.class.getName() + ") of a connection supports() accepted"
                        + " threw java.lang.IllegalStateException: no socket");
    }

    @Test
    void closesTheSourceCreateMade() throws Exception {
        java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
        RttSource holding = new RttSource() { // holds a socket or a thread, as a real source does
            @Override
            public java.util.concurrent.CompletionStage<RttReading> read() {
                return CompletableFuture.completedStage(RttReading.stale());
            }

            @Override
            public void close() {
                closes.incrementAndGet();
            }
        };
        new Kit(new Provider("acme", c -> c instanceof Connection, c -> holding)).createMakesASource();
        org.assertj.core.api.Assertions.assertThat(closes).as("close() of the source create() made").hasValue(1);
    }

    /** A provider whose name() throws. */
    private static final class Nameless implements RttSourceProvider {
        @Override
        public String name() {
            throw new UnsupportedOperationException("todo");
        }

        @Override
        public boolean supports(Object connection) {
            return connection instanceof Connection;
        }

        @Override
        public RttSource create(Object connection) {
            return SOURCE;
        }
    }

    @Test
    void failsCreateThatAcceptsAnUnsupportedConnectionOrFailsObscurely() {
        Provider accepting = new Provider("acme", c -> c instanceof Connection, c -> SOURCE);
        assertThatThrownBy(new Kit(accepting)::createFailsClearlyForAnUnsupportedConnection)
                .isInstanceOf(AssertionError.class).hasMessageContaining("throw IllegalArgumentException");
        Provider obscure = new Provider("acme", c -> c instanceof Connection, c -> ((Connection) c) == null ? null : SOURCE);
        assertThatThrownBy(new Kit(obscure)::createFailsClearlyForAnUnsupportedConnection)
                .isInstanceOf(AssertionError.class).hasMessageContaining("IllegalArgumentException");
    }

    @Test
    void failsAProviderThatIsNotRegistered() {
        assertThatThrownBy(new Kit(Provider.good("acme"))::discoverableByServiceLoader)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("does not declare 'provides io.peerpulse.telemetry.spi.RttSourceProvider with "
                        + Provider.class.getName())
                .hasMessageContaining("no META-INF/services/io.peerpulse.telemetry.spi.RttSourceProvider");
    }
}
