package io.sluice.web.http;

import static io.sluice.web.http.SchemaNodes.arrayOf;
import static io.sluice.web.http.SchemaNodes.bool;
import static io.sluice.web.http.SchemaNodes.enumOf;
import static io.sluice.web.http.SchemaNodes.long64;
import static io.sluice.web.http.SchemaNodes.named;
import static io.sluice.web.http.SchemaNodes.required;
import static io.sluice.web.http.SchemaNodes.string;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Sign-in, setup, users and API tokens: what AccountApi reads and answers. Users and tokens are the database manager's
 * rows ({@code user.*}, {@code token.*} of JSON-CALLS.md), never with their hashes.
 */
public final class AccountSchemas {
    public static final String SESSION = "Session";
    public static final String SIGN_IN = "SignIn";
    public static final String SETUP = "Setup";
    public static final String USER = "User";
    public static final String USERS = "UserList";
    public static final String NEW_USER = "NewUser";
    public static final String USER_CHANGE = "UserChange";
    public static final String TOKEN = "Token";
    public static final String TOKENS = "TokenList";
    public static final String NEW_TOKEN = "NewToken";
    public static final String ISSUED_TOKEN = "IssuedToken";

    private static final String[] ROLES = {"ADMIN", "OPERATOR", "VIEWER"};

    private AccountSchemas() {}

    static void add(ObjectNode schemas) {
        ObjectNode session =
                named(schemas, SESSION, "who is signed in; the CSRF token goes with changes made with the cookie");
        bool(session.putObject("signedIn"));
        string(session.putObject("login"));
        enumOf(session.putObject("role"), ROLES);
        string(session.putObject("csrfToken"));
        bool(session.putObject("setupRequired")).put("description", "when nobody is signed in: no user exists yet");
        required(schemas.get(SESSION), "signedIn");

        ObjectNode signIn = named(schemas, SIGN_IN, null);
        string(signIn.putObject("login"));
        password(signIn.putObject("password"));
        required(schemas.get(SIGN_IN), "login", "password");

        ObjectNode setup = named(schemas, SETUP, "the first admin, with the one-time setup token");
        string(setup.putObject("token"));
        string(setup.putObject("login"));
        password(setup.putObject("password"));
        required(schemas.get(SETUP), "token", "login", "password");

        ObjectNode user = named(schemas, USER, null);
        string(user.putObject("login"));
        enumOf(user.putObject("role"), ROLES);
        long64(user.putObject("createdAt")).put("description", "epoch milliseconds");
        bool(user.putObject("disabled"));
        required(schemas.get(USER), "login", "role");
        arrayOf(named(schemas, USERS, null).putObject("items"), USER);
        required(schemas.get(USERS), "items");

        ObjectNode newUser = named(schemas, NEW_USER, null);
        string(newUser.putObject("login"));
        enumOf(newUser.putObject("role"), ROLES);
        password(newUser.putObject("password"));
        required(schemas.get(NEW_USER), "login", "role", "password");

        ObjectNode change = named(schemas, USER_CHANGE, "at least one of the three");
        enumOf(change.putObject("role"), ROLES);
        password(change.putObject("password"));
        bool(change.putObject("disabled"));

        ObjectNode token = named(schemas, TOKEN, null);
        string(token.putObject("name"));
        enumOf(token.putObject("role"), ROLES);
        long64(token.putObject("createdAt")).put("description", "epoch milliseconds");
        bool(token.putObject("revoked"));
        required(schemas.get(TOKEN), "name", "role");
        arrayOf(named(schemas, TOKENS, null).putObject("items"), TOKEN);
        required(schemas.get(TOKENS), "items");

        ObjectNode newToken = named(schemas, NEW_TOKEN, null);
        string(newToken.putObject("name"));
        enumOf(newToken.putObject("role"), ROLES);
        required(schemas.get(NEW_TOKEN), "name", "role");

        ObjectNode issued = named(schemas, ISSUED_TOKEN, "the token itself is in this answer only");
        string(issued.putObject("name"));
        enumOf(issued.putObject("role"), ROLES);
        long64(issued.putObject("createdAt"));
        string(issued.putObject("token")).put("description", "send as Authorization: Bearer TOKEN");
        required(schemas.get(ISSUED_TOKEN), "name", "role", "token");
    }

    private static void password(ObjectNode node) {
        string(node).put("format", "password").put("minLength", 12).put("maxLength", 1024);
    }
}
