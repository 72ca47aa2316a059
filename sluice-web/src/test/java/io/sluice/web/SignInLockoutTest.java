package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.WebTestBase;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Someone guessing the admin's password slows only themselves down, never the admin. */
class SignInLockoutTest extends WebTestBase {
    private HttpResponse<String> signIn(String from, String login, String password) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .localAddress(InetAddress.getByName(from))
                .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.base() + "/api/session"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ApiClient.json(Map.of("login", login, "password", password))))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void failuresFromOneAddressDoNotStopTheRightPasswordFromAnother() throws Exception {
        int refused = 0;
        for (int i = 0; i < 10; i++) {
            int status =
                    signIn("127.0.0.2", "admin", "guess number " + i + " wrong").statusCode();
            assertThat(status).isIn(401, 429);
            if (status == 429) {
                refused++;
            }
        }
        assertThat(refused).as("the guesser is held back").isPositive();
        HttpResponse<String> held = signIn("127.0.0.2", "admin", PASSWORD);
        assertThat(held.statusCode()).isEqualTo(429);
        assertThat(held.headers().firstValue("Retry-After")).isPresent();

        HttpResponse<String> admin = signIn("127.0.0.3", "admin", PASSWORD);
        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
        assertThat(admin.headers().firstValue("Set-Cookie")).isPresent();
    }
}
