#!/usr/bin/env python3
"""Generate flowls' catalogue data (src/catalogue/data/*.json) from the Auth0 facts kept in
the repository (scripts/catalogue/facts.json).

Usage:
  scripts/import-catalogue.py                 regenerate src/catalogue/data/ from the facts
  scripts/import-catalogue.py --check         exit 1 when src/catalogue/data/ is not what the facts give
  scripts/import-catalogue.py --import DIR    refresh the facts from an extraction of the Management
                                              API's OpenAPI document (DIR holds flow-catalogue.json and
                                              management-api-scopes.tsv), then regenerate
  scripts/import-catalogue.py --import-forms TYPES_TS [COMMIT]
                                              refresh the form facts from node-auth0's
                                              src/management/api/types/types.ts, then regenerate

The facts are what this generator needs of the OpenAPI document, and no more: each action's
params schema, each vault app's setup shapes, the scopes of each Management API endpoint —
with their source and the date they were extracted; and, from node-auth0's types, the form
node types and component categories and types with their keys and required config. The generated files are checked in; flowls
and its tests read only them. What this script adds on top of the facts (one-line summaries,
outputs, the Management API scope of each AUTH0 action, which vault app an action's connection
must be) lives in the tables below.
"""
import datetime
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "scripts" / "catalogue" / "facts.json"
OUT_DIR = ROOT / "src" / "catalogue" / "data"

SUMMARIES = {
    ("ACTIVECAMPAIGN", "LIST_CONTACTS"): "List ActiveCampaign contacts with an email address.",
    ("ACTIVECAMPAIGN", "UPSERT_CONTACT"): "Create or update an ActiveCampaign contact.",
    ("AIRTABLE", "CREATE_RECORD"): "Create a record in an Airtable table.",
    ("AIRTABLE", "LIST_RECORDS"): "List records of an Airtable table.",
    ("AIRTABLE", "UPDATE_RECORD"): "Update a record in an Airtable table.",
    ("AUTH0", "CREATE_USER"): "Create a user with the Management API (POST /api/v2/users).",
    ("AUTH0", "GET_USER"): "Get a user with the Management API (GET /api/v2/users/{id}).",
    ("AUTH0", "UPDATE_USER"): "Update a user with the Management API (PATCH /api/v2/users/{id}).",
    ("AUTH0", "SEND_REQUEST"): "Call any Management API endpoint with the connection's M2M application.",
    ("AUTH0", "SEND_EMAIL"): "Send an email through the tenant's email provider.",
    ("AUTH0", "SEND_SMS"): "Send a text message through the tenant's phone provider.",
    ("AUTH0", "MAKE_CALL"): "Make a voice call through the tenant's phone provider.",
    ("BIGQUERY", "INSERT_ROWS"): "Insert rows into a BigQuery table.",
    ("CLEARBIT", "FIND_PERSON"): "Look up a person by email with Clearbit.",
    ("CLEARBIT", "FIND_COMPANY"): "Look up a company by domain with Clearbit.",
    ("EMAIL", "VERIFY_EMAIL"): "Verify an email address (MX record, aliases, free and disposable providers, lists).",
    ("FLOW", "BOOLEAN_CONDITION"): "Run the `then` or the `else` actions depending on a condition.",
    ("FLOW", "DELAY_FLOW"): "Pause the flow for a while.",
    ("FLOW", "DO_NOTHING"): "Do nothing (a placeholder step).",
    ("FLOW", "ERROR_MESSAGE"): "Stop the flow with an error message; later actions do not run.",
    ("FLOW", "MAP_VALUE"): "Map an input value to an output through a table of cases.",
    ("FLOW", "RETURN_JSON"): "Return a JSON payload from the flow.",
    ("FLOW", "STORE_VARS"): "Store shared variables, read later as {{vars.<key>}}.",
    ("GOOGLE_SHEETS", "ADD_ROW"): "Append a row to a Google Sheets spreadsheet.",
    ("HTTP", "SEND_REQUEST"): "Send an HTTP request, optionally authenticated by an HTTP vault connection.",
    ("HUBSPOT", "ENROLL_CONTACT"): "Enroll a HubSpot contact in a workflow.",
    ("HUBSPOT", "GET_CONTACT"): "Get a HubSpot contact by email.",
    ("HUBSPOT", "UPSERT_CONTACT"): "Create or update a HubSpot contact.",
    ("JSON", "CREATE_JSON"): "Build a JSON object.",
    ("JSON", "PARSE_JSON"): "Parse a JSON string into an object.",
    ("JSON", "SERIALIZE_JSON"): "Serialize an object into a JSON string.",
    ("JWT", "SIGN_JWT"): "Sign a JSON Web Token with the connection's key.",
    ("JWT", "VERIFY_JWT"): "Verify a JSON Web Token's signature and claims.",
    ("JWT", "DECODE_JWT"): "Decode a JSON Web Token without verifying it.",
    ("MAILCHIMP", "UPSERT_MEMBER"): "Create or update a member of a Mailchimp audience.",
    ("MAILJET", "SEND_EMAIL"): "Send an email with Mailjet (content or template).",
    ("OTP", "GENERATE_CODE"): "Generate a one-time code for a reference.",
    ("OTP", "VERIFY_CODE"): "Verify a one-time code for a reference.",
    ("PIPEDRIVE", "ADD_DEAL"): "Add a deal in Pipedrive.",
    ("PIPEDRIVE", "ADD_ORGANIZATION"): "Add an organization in Pipedrive.",
    ("PIPEDRIVE", "ADD_PERSON"): "Add a person in Pipedrive.",
    ("SALESFORCE", "CREATE_LEAD"): "Create a Salesforce lead.",
    ("SALESFORCE", "GET_LEAD"): "Get a Salesforce lead by id.",
    ("SALESFORCE", "SEARCH_LEADS"): "Search Salesforce leads.",
    ("SALESFORCE", "UPDATE_LEAD"): "Update a Salesforce lead.",
    ("SENDGRID", "SEND_EMAIL"): "Send an email with SendGrid.",
    ("SLACK", "POST_MESSAGE"): "Post a message to Slack.",
    ("STRIPE", "ADD_TAX_ID"): "Add a tax id to a Stripe customer.",
    ("STRIPE", "CREATE_CUSTOMER"): "Create a Stripe customer.",
    ("STRIPE", "CREATE_PORTAL_SESSION"): "Create a Stripe customer portal session.",
    ("STRIPE", "DELETE_TAX_ID"): "Delete a tax id from a Stripe customer.",
    ("STRIPE", "FIND_CUSTOMERS"): "Find Stripe customers by email.",
    ("STRIPE", "GET_CUSTOMER"): "Get a Stripe customer by id.",
    ("STRIPE", "UPDATE_CUSTOMER"): "Update a Stripe customer.",
    ("TELEGRAM", "SEND_MESSAGE"): "Send a Telegram message.",
    ("TWILIO", "SEND_SMS"): "Send a text message with Twilio.",
    ("TWILIO", "MAKE_CALL"): "Make a voice call with Twilio (TwiML payload).",
    ("WHATSAPP", "SEND_MESSAGE"): "Send a WhatsApp message.",
    ("XML", "PARSE_XML"): "Parse an XML string into an object.",
    ("XML", "SERIALIZE_XML"): "Serialize an object into an XML string.",
    ("ZAPIER", "TRIGGER_WEBHOOK"): "Trigger a Zapier webhook.",
}

# The Management API scope each AUTH0 user action needs (any one of a list is enough).
# SEND_REQUEST takes its scopes from the endpoint table instead.
SCOPES = {
    ("AUTH0", "GET_USER"): ["read:users"],
    ("AUTH0", "CREATE_USER"): ["create:users"],
    ("AUTH0", "UPDATE_USER"): ["update:users"],
}

USER_OUTPUTS = ["user_id", "email", "email_verified", "username", "phone_number", "phone_verified",
                "name", "given_name", "family_name", "nickname", "picture", "user_metadata",
                "app_metadata", "identities", "created_at", "updated_at", "last_login", "logins_count",
                "blocked"]
OUTPUTS = {
    ("HTTP", "SEND_REQUEST"): ["headers", "body", "status", "success"],
    ("AUTH0", "SEND_REQUEST"): ["headers", "body", "status", "success"],
    ("OTP", "GENERATE_CODE"): ["code"],
    ("OTP", "VERIFY_CODE"): ["valid", "result"],
    ("EMAIL", "VERIFY_EMAIL"): ["valid", "cause"],
    ("JSON", "CREATE_JSON"): ["result"],
    ("JSON", "PARSE_JSON"): ["object"],
    ("JSON", "SERIALIZE_JSON"): ["json"],
    ("XML", "SERIALIZE_XML"): ["xml"],
    ("XML", "PARSE_XML"): ["object"],
    ("JWT", "SIGN_JWT"): ["token"],
    ("JWT", "DECODE_JWT"): ["header", "payload", "signature"],
    ("JWT", "VERIFY_JWT"): ["valid", "cause", "payload"],
    ("FLOW", "BOOLEAN_CONDITION"): ["result"],
    ("FLOW", "MAP_VALUE"): ["result"],
    ("AUTH0", "SEND_EMAIL"): ["success"],
    ("AUTH0", "SEND_SMS"): ["success"],
    ("AUTH0", "MAKE_CALL"): ["success"],
    ("AUTH0", "GET_USER"): USER_OUTPUTS,
    ("AUTH0", "CREATE_USER"): USER_OUTPUTS,
    ("AUTH0", "UPDATE_USER"): USER_OUTPUTS,
}

APP_TITLES = {
    "ACTIVECAMPAIGN": "ActiveCampaign", "AIRTABLE": "Airtable", "AUTH0": "Auth0", "BIGQUERY": "BigQuery",
    "CLEARBIT": "Clearbit", "DOCUSIGN": "DocuSign", "GOOGLE_SHEETS": "Google Sheets", "HTTP": "HTTP",
    "HUBSPOT": "HubSpot", "JWT": "JSON Web Token", "MAILCHIMP": "Mailchimp", "MAILJET": "Mailjet",
    "PIPEDRIVE": "Pipedrive", "SALESFORCE": "Salesforce", "SENDGRID": "SendGrid", "SLACK": "Slack",
    "STRIPE": "Stripe", "TELEGRAM": "Telegram", "TWILIO": "Twilio", "WHATSAPP": "WhatsApp", "ZAPIER": "Zapier",
}

# setup fields that hold a secret (checked by `plaintext-secret`).
SECRET_FIELDS = {"client_secret", "token", "api_key", "secret_key", "password", "private_key", "value", "code"}


def clean(schema):
    """The reference's schemas, in flowls' form: `oneOf` becomes `anyOf` (the alternatives
    differ only by an annotation-only `format`, so `oneOf` would reject every string), and the
    placeholder type `any` becomes an empty schema."""
    if isinstance(schema, list):
        return [clean(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "any" and len(schema) == 1:
        return {}
    out = {}
    for k, v in schema.items():
        if k == "oneOf":
            out["anyOf"] = clean(v)
        elif k == "properties":
            out[k] = {name: clean(s) for name, s in v.items()}
        elif k in ("items", "additionalProperties") and isinstance(v, dict):
            out[k] = clean(v)
        else:
            out[k] = v
    if out.get("properties") == {} and out.get("additionalProperties") is True:
        del out["properties"]
    return out


def import_facts(ref: Path):
    """The facts the generator reads, from an extraction of the OpenAPI document."""
    cat = json.loads((ref / "flow-catalogue.json").read_text())
    scopes = []
    for line in (ref / "management-api-scopes.tsv").read_text().splitlines()[1:]:
        method, path, any_of = line.split("\t")
        scopes.append([method, path, [s for s in any_of.replace(",", " ").split() if s]])
    facts = {
        "source": cat["source"] + "; scopes per endpoint from its x-required-scopes (any one is enough)",
        "extracted": datetime.date.today().isoformat(),
        "actions": [{k: a[k] for k in ("type", "action", "params_required", "params")} for a in cat["actions"]],
        "vault_setups": [{"app_id": v["app_id"], "setup": v.get("setup")} for v in cat["vault_create_variants"]],
        "management_api_scopes": scopes,
    }
    if FACTS.exists():
        facts["forms"] = json.loads(FACTS.read_text()).get("forms")
    FACTS.parent.mkdir(parents=True, exist_ok=True)
    FACTS.write_text(json.dumps(facts, indent=1) + "\n")


def ts_interface(text: str, name: str):
    """The members of `export interface NAME { … }`: [(key, required, type)], or None."""
    m = re.search(r"export interface " + name + r" \{(.*?)\n\}", text, re.S)
    if m is None:
        return None
    out = []
    for line in m.group(1).splitlines():
        f = re.match(r"\s+(\w+)(\??): (.*);$", line)
        if f:
            out.append((f.group(1), f.group(2) == "", f.group(3)))
    return out


def ts_const(text: str, name: str) -> str:
    """The value of `export const NAME = { X: "VALUE" }`."""
    return re.search(r"export const " + name + r' = \{\s*\w+: "([^"]+)"', text).group(1)


def ts_union(text: str, name: str):
    """The members of `export type NAME = | Management.A | Management.B;`."""
    body = re.search(r"export type " + name + r" =(.*?);", text, re.S).group(1)
    return re.findall(r"Management\.(\w+)", body)


def shape(text: str, name: str) -> dict:
    """A node's or component's keys, its type constant, and its config's keys."""
    members = ts_interface(text, name)
    out = {"keys": [k for k, _, _ in members]}
    for key, required, ty in members:
        if key in ("type", "category"):
            out[key] = ts_const(text, re.search(r"Management\.(\w+)", ty).group(1))
        if key == "config":
            cfg = ts_interface(text, re.search(r"Management\.(\w+)", ty).group(1)) or []
            out["config_required"] = required
            out["config_keys"] = [k for k, _, _ in cfg]
            out["config_required_keys"] = [k for k, r, _ in cfg if r]
    return out


def import_form_facts(types_ts: Path, commit: str):
    """The form facts, from node-auth0's types.ts."""
    text = types_ts.read_text()
    form_keys = [k for k, _, _ in ts_interface(text, "GetFormResponseContent")]
    nodes = [shape(text, n) for n in ts_union(text, "FormNode")]
    components = [
        shape(text, c)
        for union in ("FormBlock", "FormField", "FormWidget")
        for c in ts_union(text, union)
    ]
    facts = json.loads(FACTS.read_text())
    facts["forms"] = {
        "source": f"node-auth0 src/management/api/types/types.ts{' at ' + commit if commit else ''}",
        "extracted": datetime.date.today().isoformat(),
        "form_keys": form_keys,
        "start_keys": [k for k, _, _ in ts_interface(text, "FormStartNode")],
        "ending_keys": [k for k, _, _ in ts_interface(text, "FormEndingNode")],
        "nodes": nodes,
        "components": components,
    }
    FACTS.write_text(json.dumps(facts, indent=1) + "\n")


def generate(facts) -> dict:
    """The catalogue files, by name, from the facts."""
    actions = []
    for a in facts["actions"]:
        key = (a["type"], a["action"])
        params = clean(a["params"])
        if key == ("FLOW", "BOOLEAN_CONDITION"):
            # nested actions are validated one by one by flowls, as actions
            params["properties"]["then"] = {"type": "array", "items": {"type": "object"}}
            params["properties"]["else"] = {"type": "array", "items": {"type": "object"}}
        props = params.get("properties", {})
        if "connection_id" in props:
            connection = "required" if "connection_id" in params.get("required", []) else "optional"
        elif key == ("MAILJET", "SEND_EMAIL"):
            connection = "required"  # not modelled by the API document; passes as an extra key
        else:
            connection = "none"
        actions.append({
            "type": a["type"],
            "action": a["action"],
            "summary": SUMMARIES[key],
            "connection": connection,
            "scopes": SCOPES.get(key, []),
            "outputs": OUTPUTS.get(key, []),
            "params_required": a["params_required"],
            "params": params,
        })

    apps = {}
    for v in facts["vault_setups"]:
        app = apps.setdefault(v["app_id"], {"title": APP_TITLES[v["app_id"]], "setups": []})
        if v.get("setup") is None:
            continue
        setup = clean(v["setup"])
        setup_type = setup["properties"]["type"]["enum"][0]
        secrets = sorted(k for k in setup.get("properties", {}) if k in SECRET_FIELDS)
        app["setups"].append({"type": setup_type, "secrets": secrets, "schema": setup})

    endpoints = {}
    for method, path, scopes in facts["management_api_scopes"]:
        endpoints.setdefault(path, {})[method] = scopes

    return {
        "catalogue.json": json.dumps(
            {"actions": actions, "apps": apps, "forms": forms(facts["forms"])}, indent=1
        ) + "\n",
        "management-api.json": json.dumps(endpoints, indent=1, sort_keys=True) + "\n",
    }


def forms(f) -> dict:
    """The form catalogue: node types and component types with their keys and required config."""
    return {k: f[k] for k in ("form_keys", "start_keys", "ending_keys", "nodes", "components")}


def main():
    args = sys.argv[1:]
    if args[:1] == ["--import-forms"] and len(args) in (2, 3):
        import_form_facts(Path(args[1]), args[2] if len(args) == 3 else "")
        args = []
    if args[:1] == ["--import"] and len(args) == 2:
        import_facts(Path(args[1]))
        args = []
    files = generate(json.loads(FACTS.read_text()))
    if args == ["--check"]:
        stale = [n for n, text in files.items() if (OUT_DIR / n).read_text() != text]
        if stale:
            print(f"src/catalogue/data/{', '.join(stale)} differ from what scripts/catalogue/facts.json gives: run scripts/import-catalogue.py")
            sys.exit(1)
        return
    if args:
        print(__doc__)
        sys.exit(2)
    for name, text in files.items():
        (OUT_DIR / name).write_text(text)


if __name__ == "__main__":
    main()
