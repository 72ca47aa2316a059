/** The application server: REST API, live dashboard, authentication, Prometheus metrics. */
package io.sluice.web;
