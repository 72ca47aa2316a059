package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MonitorStatusDescriptorTest {
    @Test
    void everyCounterHasOneNameAtItsOffset() {
        assertThat(MonitorStatusDescriptor.NAMES)
                .hasSize(MonitorStatusDescriptor.LENGTH / 8)
                .doesNotHaveDuplicates();
        assertThat(MonitorStatusDescriptor.NAMES.get(MonitorStatusDescriptor.IN_SESSION_OFFSET / 8))
                .isEqualTo("inSession");
        assertThat(MonitorStatusDescriptor.NAMES.get(MonitorStatusDescriptor.PAIRS_OFFSET / 8))
                .isEqualTo("pairs");
        assertThat(MonitorStatusDescriptor.NAMES.get(MonitorStatusDescriptor.REPORTS_LOST_OFFSET / 8))
                .isEqualTo("reportsLost");
        assertThat(MonitorStatusDescriptor.NAMES.get(MonitorStatusDescriptor.REPORTS_REFUSED_OFFSET / 8))
                .isEqualTo("reportsRefused");
        assertThat(MonitorStatusDescriptor.NAMES.get(MonitorStatusDescriptor.REGISTRY_UNUSABLE_OFFSET / 8))
                .isEqualTo("registryUnusable");
        assertThat(MonitorStatusDescriptor.NAMES.get(MonitorStatusDescriptor.VOLUME_LIMIT_REFUSALS_OFFSET / 8))
                .isEqualTo("gatewaysOverVolumeLimit");
        assertThat(MonitorStatusDescriptor.NAMES.get(MonitorStatusDescriptor.EPOCH_OFFSET / 8))
                .isEqualTo("epoch");
        assertThat(MonitorStatusDescriptor.NAMES.get(MonitorStatusDescriptor.STANDBY_REFERRALS_OFFSET / 8))
                .isEqualTo("standbyReferrals");
    }
}
