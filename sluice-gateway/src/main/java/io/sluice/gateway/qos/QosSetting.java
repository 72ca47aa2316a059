package io.sluice.gateway.qos;

/**
 * Parameters with the version they were applied under. Version 0 is the configuration file's; the monitor numbers its
 * throttle sets upward, so a repeated or late set is recognized.
 */
public record QosSetting(long version, QosParameters parameters) {}
