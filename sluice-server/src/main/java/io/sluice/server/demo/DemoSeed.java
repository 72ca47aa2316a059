package io.sluice.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.web.auth.PasswordHasher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the demo puts in the database before the SLA services start, through the database manager's mailbox like any
 * other caller: the plan's SLAs, and an admin login for the dashboard.
 */
public final class DemoSeed {
    public static final String LOGIN = "demo";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACTOR = "system:demo";

    private DemoSeed() {}

    /** Stores the SLAs and creates the login; returns the login's generated password. */
    public static String seed(Path dbMailbox, List<ObjectNode> slas) throws Exception {
        try (Mailbox mailbox = Mailbox.open(dbMailbox);
                MailboxClient db = MailboxClient.attachTool(mailbox)) {
            for (ObjectNode sla : slas) {
                putSla(db, sla);
            }
            String password = newPassword();
            call(
                    db,
                    JSON.createObjectNode()
                            .put("op", "user.create")
                            .put("actor", ACTOR)
                            .put("login", LOGIN)
                            .put("role", "ADMIN")
                            .put("passwordHash", new PasswordHasher().hash(password.toCharArray())));
            return password;
        }
    }

    private static void putSla(MailboxClient db, ObjectNode spec) throws Exception {
        ObjectNode request = JSON.createObjectNode()
                .put("op", "sla.put")
                .put("actor", ACTOR)
                .put("name", spec.path("name").asText())
                .put("expectedVersion", 0);
        request.set("spec", spec);
        call(db, request);
    }

    private static JsonNode call(MailboxClient db, ObjectNode request) throws Exception {
        Reply reply =
                db.call(MailboxOpcodes.DB_JSON, JSON.writeValueAsBytes(request)).get(30, TimeUnit.SECONDS);
        if (reply.status() != CallStatus.OK) {
            throw new IllegalStateException(
                    "database manager refused " + request.path("op").asText() + ": " + CallStatus.name(reply.status())
                            + " " + new String(reply.result(), StandardCharsets.UTF_8));
        }
        return JSON.readTree(reply.result());
    }

    private static String newPassword() {
        String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            password.append(alphabet.charAt(random.nextInt(alphabet.length())));
            if (i % 4 == 3 && i < 15) {
                password.append('-');
            }
        }
        return password.toString();
    }
}
