package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
    private static final long SEED = 20_261_207L;

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:7070, 127.0.0.1, 7070",
        "sla.example:1, sla.example, 1",
        "localhost:65535, localhost, 65535",
        "[::1]:10809, ::1, 10809",
        "[fd00::1:2]:443, fd00::1:2, 443",
        "[::ffff:10.0.0.1]:80, ::ffff:10.0.0.1, 80",
        "0.0.0.0:00080, 0.0.0.0, 80"
    })
    void aGoodAddressGivesItsHostWithoutBracketsAndItsPort(String text, String host, int port) {
        HostPort parsed = HostPort.parse("address", text);

        assertThat(parsed.host()).isEqualTo(host);
        assertThat(parsed.port()).isEqualTo(port);
        assertThat(parsed.unresolved().getHostString()).isEqualTo(host);
        assertThat(parsed.unresolved().isUnresolved()).isTrue();
        assertThat(HostPort.parse("address", parsed.toString())).isEqualTo(parsed);
        assertThat(HostPort.format(parsed.unresolved())).isEqualTo(parsed.toString());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|is empty",
                "host|must be HOST:PORT",
                ":80|must be HOST:PORT",
                "host:|must be HOST:PORT",
                "::1:80|must write an IPv6 host in brackets",
                "[::1:80|must write an IPv6 host in brackets",
                "[]:80|has a stray bracket",
                "ho]st:80|has a stray bracket",
                "host:http|has no port number",
                "host:-1|has no port number",
                "host:+80|has no port number",
                "host:123456|has no port number",
                "host:0|has a port out of 1..65535",
                "host:65536|has a port out of 1..65535",
                "ho st:80|not printable ASCII",
                "hôst:80|not printable ASCII"
            })
    void aBadAddressIsATypedErrorNamingTheValueAndWhatIsWrong(String text, String problem) {
        assertThatThrownBy(() -> HostPort.parse("--monitor", text))
                .isInstanceOfSatisfying(
                        HostPort.Invalid.class, e -> assertThat(e.value()).isEqualTo(text))
                .hasMessageStartingWith("--monitor ")
                .hasMessageContaining(problem)
                .hasMessageEndingWith(": '" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:0", "[::]:0", "localhost:65535"})
    void aListenAddressMayAskForAnyFreePort(String text) {
        assertThat(HostPort.parseListen("listen address", text).toString()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:65536", "127.0.0.1", "::1:0"})
    void aListenAddressIsCheckedAsStrictly(String text) {
        assertThatThrownBy(() -> HostPort.parseListen("listen address", text)).isInstanceOf(HostPort.Invalid.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void aLongAddressIsRefusedAndOneAtTheLimitTaken(int extra) {
        String host = "h".repeat(HostPort.MAX_LENGTH - 5 + extra);

        if (extra == 0) {
            assertThat(HostPort.parse("address", host + ":7070").host()).isEqualTo(host);
        } else {
            assertThatThrownBy(() -> HostPort.parse("address", host + ":7070"))
                    .hasMessageContaining("longer than " + HostPort.MAX_LENGTH);
        }
    }

    /** Random hosts and ports, seeded: whatever is formatted parses back to itself. */
    @ParameterizedTest
    @MethodSource("randomAddresses")
    void whatIsFormattedParsesBackToItself(HostPort address) {
        assertThat(HostPort.parse("address", address.toString())).isEqualTo(address);
    }

    /** Random text, seeded: parsing either succeeds or throws {@link HostPort.Invalid}, never anything else. */
    @ParameterizedTest
    @MethodSource("randomText")
    void randomTextIsAnAddressOrATypedError(String text) {
        String problem = HostPort.problem(text, 1);
        if (problem == null) {
            assertThat(HostPort.parse("address", text).port()).isBetween(1, 65_535);
        } else {
            assertThatThrownBy(() -> HostPort.parse("address", text))
                    .isInstanceOf(HostPort.Invalid.class)
                    .hasMessageContaining(problem);
        }
    }

    static Stream<HostPort> randomAddresses() {
        Random random = new Random(SEED);
        List<HostPort> addresses = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int port = 1 + random.nextInt(65_535);
            String host = switch (random.nextInt(3)) {
                case 0 ->
                    random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
                            + random.nextInt(256);
                case 1 ->
                    Integer.toHexString(random.nextInt(0x10000)) + "::" + Integer.toHexString(random.nextInt(0x10000));
                default -> "host-" + Long.toString(random.nextLong() >>> 1, 36) + ".example";
            };
            addresses.add(new HostPort(host, port));
        }
        return addresses.stream();
    }

    static Stream<Arguments> randomText() {
        Random random = new Random(SEED);
        String alphabet = "ab1:[].- 9\u00e90";
        List<Arguments> texts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            texts.add(Arguments.of(text.toString()));
        }
        return texts.stream();
    }
}
