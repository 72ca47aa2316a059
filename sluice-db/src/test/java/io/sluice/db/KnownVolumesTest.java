package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.store.KnownVolumes;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KnownVolumesTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void answersLikeASetThroughLoadsAndGrowth(long seed) {
        Random random = new Random(seed);
        KnownVolumes known = new KnownVolumes();
        Set<Integer> expected = new HashSet<>();
        assertThat(known.admits(random.nextInt(1, Integer.MAX_VALUE)))
                .as("nothing known before the load")
                .isTrue();
        for (int i = 0; i < 50; i++) {
            int id = random.nextInt(1, 1_000_000);
            known.add(id);
            expected.add(id);
        }
        int[] registered = random.ints(500, 1, 1_000_000).toArray();
        for (int id : registered) {
            expected.add(id);
        }
        known.load(registered);
        assertThat(known.loaded()).isTrue();
        for (int i = 0; i < 5_000; i++) {
            int id = random.nextInt(1, 1_000_000);
            if (random.nextInt(4) == 0) {
                known.add(id);
                expected.add(id);
            }
        }
        for (int id = 1; id < 1_000_000; id += 7) {
            assertThat(known.admits(id)).as("volume %d", id).isEqualTo(expected.contains(id));
        }
        for (int id : expected) {
            assertThat(known.admits(id)).isTrue();
        }
    }
}
