package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ICE failed towards 192.168.1.20:50000 | 192.168.1.20",
        "peer=10.0.0.1                         | 10.0.0.1",
        "no route to [2001:db8::1]:3478         | 2001:db8::1",
        "candidate fe80::1ff:fe23:4567:890a%eth0 | fe80::1ff:fe23:4567:890a",
        "mapped ::ffff:203.0.113.9 lost        | 203.0.113.9",
        "loopback ::1.                          | ::1",
        "full 2001:0db8:0000:0000:0000:ff00:0042:8329 | 2001:0db8:0000:0000:0000:ff00:0042:8329",
    })
    void findsAddresses(String text, String address) {
        assertThat(IpAddresses.findIn(text)).contains(address);
        assertThat(IpAddresses.containsAny(text)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "not connected",
        "closed at 12:30:45",
        "no selected candidate pair",
        "mac 00:1a:2b:3c:4d:5e",
        "Connection::close failed",
        "version 1.2.3",
        "999.1.1.1 is no address",
        "a :: b",
        "ratio 1:2:3",
    })
    void ignoresTextWithoutAddresses(String text) {
        assertThat(IpAddresses.findIn(text)).isEmpty();
        assertThat(IpAddresses.containsAny(text)).isFalse();
    }
}
