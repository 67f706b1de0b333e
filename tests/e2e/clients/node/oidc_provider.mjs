// A real OpenID Connect provider (the oidc-provider package) on loopback for the sign-in
// tests. Any login name signs in (its development interactions); accounts named in
// ACCOUNTS get their groups. Env: PORT, CLIENT_SECRET, REDIRECT_URI, ACCOUNTS (JSON:
// {"login": {"name": "...", "email": "...", "groups": ["..."]}}).
import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const accounts = JSON.parse(process.env.ACCOUNTS || "{}");
const issuer = `http://127.0.0.1:${port}`;

const configuration = {
  clients: [
    {
      client_id: "warroom",
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username"],
    email: ["email"],
    groups: ["groups"],
  },
  scopes: ["openid", "profile", "email", "groups"],
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  cookies: { keys: ["warroom-test-cookie-key"] },
  async findAccount(_ctx, id) {
    const account = accounts[id] || {};
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          preferred_username: id,
          name: account.name || id,
          email: account.email || `${id}@example.test`,
          groups: account.groups || [],
        };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
