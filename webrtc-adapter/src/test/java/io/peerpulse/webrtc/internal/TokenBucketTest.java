package io.peerpulse.webrtc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The probe's answer-rate limit, on a hand-driven clock. */
class TokenBucketTest {

    @Test
    void aBurstThenTheRate() {
        TokenBucket bucket = new TokenBucket(50, 20);
        long now = 1_000;
        for (int i = 0; i < 20; i++) {
            assertThat(bucket.tryTake(now)).as("burst token %d", i).isTrue();
        }
        assertThat(bucket.tryTake(now)).isFalse();
        assertThat(bucket.tryTake(now + 19_999_999)).as("not yet a token: 20 ms each at 50/s").isFalse();
        assertThat(bucket.tryTake(now + 20_000_000)).isTrue();
        assertThat(bucket.refusedCount()).isEqualTo(2);
    }

    @Test
    void aFloodGetsTheRateAndNoMore() {
        TokenBucket bucket = new TokenBucket(50, 20);
        long taken = 0;
        // 9,000 pings a second for 10 s
        for (long i = 0; i < 90_000; i++) {
            if (bucket.tryTake(i * 111_111)) {
                taken++;
            }
        }
        assertThat(taken).as("20 at once, then 50 a second for 10 s").isBetween(515L, 520L);
        assertThat(bucket.refusedCount()).isEqualTo(90_000 - taken);
    }

    @Test
    void anHonestPeerAtTenHertzIsNeverRefused() {
        TokenBucket bucket = new TokenBucket(50, 20);
        for (long i = 0; i < 1_000; i++) {
            assertThat(bucket.tryTake(i * 100_000_000)).isTrue();
        }
        assertThat(bucket.refusedCount()).isZero();
    }

    @Test
    void idleTimeRefillsOnlyUpToTheBurst() {
        TokenBucket bucket = new TokenBucket(50, 3);
        bucket.tryTake(0);
        long later = 3_600_000_000_000L;
        assertThat(bucket.tryTake(later)).isTrue();
        assertThat(bucket.tryTake(later)).isTrue();
        assertThat(bucket.tryTake(later)).isTrue();
        assertThat(bucket.tryTake(later)).isFalse();
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> new TokenBucket(0, 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratePerSecond").hasMessageContaining("0");
        assertThatThrownBy(() -> new TokenBucket(50, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("burst").hasMessageContaining("-1");
    }
}
