//! The graph's content on the examples and on fixtures (nodes, edges, scope marks, finding
//! marks) as snapshots of its mermaid and dot text; escaping; the SVG's layout.

use super::*;
use crate::analysis::tests::{workspace, workspace_with};
use crate::workspace::{Settings, disk};
use expect_test::{Expect, expect};

fn example(name: &str) -> Workspace {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    disk::load(&root, Settings::default(), Vec::new()).0
}

fn fixture_workspace(name: &str) -> Workspace {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    disk::load(&root, Settings::default(), Vec::new()).0
}

fn all(ws: &Workspace) -> Graph {
    build(ws, &Select::Workspace, &Options::default())
}

fn check_mermaid(ws: &Workspace, select: Select, expect: Expect) {
    expect.assert_eq(&text::mermaid(&build(ws, &select, &Options::default())));
}

/// A compact listing of the model: each node with its kind, place and marks, then each edge.
fn listing(g: &Graph) -> String {
    let mut out = String::new();
    for n in &g.nodes {
        let marks: Vec<&str> = n.marks.iter().map(|m| m.as_str()).collect();
        out.push_str(&format!(
            "{} {} {}:{} [{}]{}\n",
            n.kind.as_str(),
            n.id,
            n.rel,
            n.line,
            marks.join(" "),
            n.findings
                .summary()
                .map(|s| format!(" {s}"))
                .unwrap_or_default()
        ));
    }
    for e in &g.edges {
        out.push_str(&format!(
            "{} -{}-> {}\n",
            g.nodes[e.from].id,
            e.label.as_deref().unwrap_or(e.kind.as_str()),
            g.nodes[e.to].id
        ));
    }
    out
}

#[test]
fn tenant_example() {
    let ws = example("tenant");
    expect![[r#"
        flow flow_onboard_new_user flows/Onboard New User.json:2 []
        action flow_onboard_new_user__get_user flows/Onboard New User.json:5 []
        connection connection_users_m2m flow-vault-connections/Users M2M.json:2 []
        action flow_onboard_new_user__is_new flows/Onboard New User.json:17 []
        action flow_onboard_new_user__mark_onboarded flows/Onboard New User.json:28 []
        action flow_onboard_new_user__welcome_email flows/Onboard New User.json:38 []
        ending flow_onboard_new_user__end flows/Onboard New User.json:2 []
        flow flow_support_escalation flows/Support Escalation.json:2 []
        action flow_support_escalation__create_shadow_user flows/Support Escalation.json:5 [missing-scope has-warning] 1 warning: AUTH0/CREATE_USER needs `create:users`, but the M2M application…
        connection connection_support_m2m flow-vault-connections/Support M2M.json:2 []
        action flow_support_escalation__delay flows/Support Escalation.json:18 [has-error] 1 error: `units` must be one of "SECONDS", "MINUTES", "HOURS", "DAYS"; f…
        flow flow_sync_organization flows/Sync Organization.json:2 []
        action flow_sync_organization__add_member flows/Sync Organization.json:5 [missing-scope has-warning] 1 warning: POST /api/v2/organizations/{id}/members needs `create:organizat…
        action flow_sync_organization__notify flows/Sync Organization.json:16 [has-error] 2 errors: no vault connection named `Slack Alert` in the workspace: did y…
        missing connection_missing_slack_alert flows/Sync Organization.json:20 [unresolved]
        action flow_sync_organization__lookup_org flows/Sync Organization.json:25 [has-error] 1 error: unknown param `timeout` in HTTP/SEND_REQUEST: remove it (HTTP/S…
        flow flow_verify_phone flows/Verify Phone.json:2 []
        action flow_verify_phone__generate_otp flows/Verify Phone.json:5 []
        action flow_verify_phone__send_code flows/Verify Phone.json:11 [has-warning] 1 warning: AUTH0/SEND_SMS takes no `connection_id`: notifications need no …
        action flow_verify_phone__check_code flows/Verify Phone.json:21 []
        action flow_verify_phone__store_result flows/Verify Phone.json:27 []
        connection connection_legacy_crm flow-vault-connections/Legacy CRM.json:2 [has-warning] 1 warning: `token` is written in plain text: replace it by a keyword marke…
        connection connection_slack_alerts flow-vault-connections/Slack Alerts.json:2 []
        application app_support_m2m flowls.toml:6 [missing-scope excess-scope]
        application app_flows_m2m grants/Flows M2M.json:1 [missing-scope excess-scope]
        flow_onboard_new_user__get_user -uses-> connection_users_m2m
        flow_onboard_new_user -next-> flow_onboard_new_user__get_user
        flow_onboard_new_user__get_user -next-> flow_onboard_new_user__is_new
        flow_onboard_new_user__mark_onboarded -uses-> connection_users_m2m
        flow_onboard_new_user__is_new -then-> flow_onboard_new_user__mark_onboarded
        flow_onboard_new_user__mark_onboarded -next-> flow_onboard_new_user__welcome_email
        flow_onboard_new_user__welcome_email -next-> flow_onboard_new_user__end
        flow_onboard_new_user__is_new -else-> flow_onboard_new_user__end
        flow_support_escalation__create_shadow_user -uses-> connection_support_m2m
        flow_support_escalation -next-> flow_support_escalation__create_shadow_user
        flow_support_escalation__create_shadow_user -next-> flow_support_escalation__delay
        flow_sync_organization__add_member -uses-> connection_users_m2m
        flow_sync_organization -next-> flow_sync_organization__add_member
        flow_sync_organization__notify -uses-> connection_missing_slack_alert
        flow_sync_organization__add_member -next-> flow_sync_organization__notify
        flow_sync_organization__notify -next-> flow_sync_organization__lookup_org
        flow_verify_phone -next-> flow_verify_phone__generate_otp
        flow_verify_phone__send_code -uses-> connection_users_m2m
        flow_verify_phone__generate_otp -next-> flow_verify_phone__send_code
        flow_verify_phone__send_code -next-> flow_verify_phone__check_code
        flow_verify_phone__check_code -next-> flow_verify_phone__store_result
        connection_support_m2m -app-> app_support_m2m
        connection_users_m2m -app-> app_flows_m2m
    "#]]
    .assert_eq(&listing(&all(&ws)));
}

#[test]
fn yaml_example_as_dot() {
    let ws = example("yaml");
    expect![[r##"
        digraph flowls {
          graph [rankdir=TB, fontname="sans-serif", fontsize=11];
          node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="sans-serif", fontsize=10];
          edge [fontname="sans-serif", fontsize=9];
          subgraph cluster_group_form_0 {
            label="form KYC";
            "form_kyc" [label="form KYC", shape=tab, id="form_kyc", class="node form", tooltip="forms/KYC.json:2"];
            "form_kyc__step_name" [label="step_name\nSTEP · Your name\nfields: full_name, country", shape=box, id="form_kyc__step_name", class="node step", tooltip="forms/KYC.json:6"];
            "form_kyc__flow_update" [label="flow_update\nFLOW · Update the name", shape=parallelogram, id="form_kyc__flow_update", class="node flow-step", tooltip="forms/KYC.json:19"];
            "form_kyc__ending" [label="$ending", shape=doublecircle, id="form_kyc__ending", class="node ending", tooltip="forms/KYC.json:26"];
            subgraph cluster_group_flow_2 {
              label="flow Update KYC Name";
              "flow_update_kyc_name" [label="flow Update KYC Name", shape=oval, id="flow_update_kyc_name", class="node flow", tooltip="flows/Update KYC Name.json:2"];
              "flow_update_kyc_name__update_user_metadata" [label="update_user_metadata\nAUTH0/UPDATE_USER\nneeds update:users\nmissing update:users\n2 warnings: AUTH0/UPDATE_USER needs `update:users`, but the M2M application…", shape=box, id="flow_update_kyc_name__update_user_metadata", class="node action missing-scope has-warning", tooltip="flows/Update KYC Name.json:5", color="#c62828", penwidth=2, fillcolor="#fde2e2"];
            }
          }
          subgraph cluster_group_form_1 {
            label="form Newsletter";
            "form_newsletter" [label="form Newsletter", shape=tab, id="form_newsletter", class="node form", tooltip="forms/Newsletter.json:2"];
            "form_newsletter__step_email" [label="step_email\nSTEP\nfields: email", shape=box, id="form_newsletter__step_email", class="node step", tooltip="forms/Newsletter.json:5"];
            "form_newsletter__router_consent" [label="router_consent\nROUTER\n1 error: no node of the form has the id `step_thanks`: did you mean `ste…", shape=hexagon, id="form_newsletter__router_consent", class="node router has-error", tooltip="forms/Newsletter.json:16", color="#c62828", penwidth=2];
            "form_newsletter__flow_subscribe" [label="flow_subscribe\nFLOW\n1 error: no flow named `Subscribe Newsleter` in the workspace: did you m…", shape=parallelogram, id="form_newsletter__flow_subscribe", class="node flow-step has-error", tooltip="forms/Newsletter.json:24", color="#c62828", penwidth=2];
            "form_newsletter__missing_step_thanks" [label="step_thanks\nno node of the form has this id", shape=note, id="form_newsletter__missing_step_thanks", class="node missing unresolved", tooltip="forms/Newsletter.json:20", fillcolor="#fde2e2", style="rounded,filled,dashed"];
            "form_newsletter__ending" [label="$ending", shape=doublecircle, id="form_newsletter__ending", class="node ending", tooltip="forms/Newsletter.json:26"];
            "form_newsletter__missing_flow_subscribe_newsleter" [label="flow Subscribe Newsleter\nno flow of this name in the workspace", shape=note, id="form_newsletter__missing_flow_subscribe_newsleter", class="node missing unresolved", tooltip="forms/Newsletter.json:26", fillcolor="#fde2e2", style="rounded,filled,dashed"];
          }
          subgraph cluster_group_flow_4 {
            label="flow Subscribe Newsletter";
            "flow_subscribe_newsletter" [label="flow Subscribe Newsletter", shape=oval, id="flow_subscribe_newsletter", class="node flow", tooltip="flows/Subscribe Newsletter.json:2"];
            "flow_subscribe_newsletter__subscribe" [label="subscribe\nMAILCHIMP/UPSERT_MEMBER", shape=box, id="flow_subscribe_newsletter__subscribe", class="node action", tooltip="flows/Subscribe Newsletter.json:5"];
          }
          subgraph cluster_group_connections_3 {
            label="vault connections and M2M applications"; style=dashed;
            "connection_kyc_m2m" [label="KYC M2M\nAUTH0 connection\n##TENANT_DOMAIN##", shape=cylinder, id="connection_kyc_m2m", class="node connection", tooltip="tenant.yaml:24"];
            "connection_newsletter_mailchimp" [label="Newsletter Mailchimp\nMAILCHIMP connection\n2 errors: missing required setup field `secret_key` for the MAILCHIMP API…", shape=cylinder, id="connection_newsletter_mailchimp", class="node connection has-error", tooltip="tenant.yaml:31", color="#c62828", penwidth=2];
            "app_kyc_m2m" [label="M2M application KYC M2M\nneeds: update:users\ngranted (grant): read:users, delete:users\nmissing: update:users\nexcess: read:users, delete:users", shape=component, id="app_kyc_m2m", class="node application missing-scope excess-scope", tooltip="tenant.yaml:5", color="#c62828", penwidth=2, fillcolor="#fde2e2"];
          }
          "flow_update_kyc_name__update_user_metadata" -> "connection_kyc_m2m" [class="edge uses", label="uses", style=dashed];
          "flow_update_kyc_name" -> "flow_update_kyc_name__update_user_metadata" [class="edge next"];
          "flow_subscribe_newsletter__subscribe" -> "connection_newsletter_mailchimp" [class="edge uses", label="uses", style=dashed];
          "flow_subscribe_newsletter" -> "flow_subscribe_newsletter__subscribe" [class="edge next"];
          "form_kyc" -> "form_kyc__step_name" [class="edge next", label="start"];
          "form_kyc__step_name" -> "form_kyc__flow_update" [class="edge next"];
          "form_kyc__flow_update" -> "form_kyc__ending" [class="edge next"];
          "form_kyc__flow_update" -> "flow_update_kyc_name" [class="edge starts", label="starts", penwidth=2];
          "form_newsletter" -> "form_newsletter__step_email" [class="edge next", label="start"];
          "form_newsletter__step_email" -> "form_newsletter__router_consent" [class="edge next"];
          "form_newsletter__router_consent" -> "form_newsletter__missing_step_thanks" [class="edge fallback", label="fallback"];
          "form_newsletter__router_consent" -> "form_newsletter__flow_subscribe" [class="edge route", label="Opted in"];
          "form_newsletter__flow_subscribe" -> "form_newsletter__ending" [class="edge next"];
          "form_newsletter__flow_subscribe" -> "form_newsletter__missing_flow_subscribe_newsleter" [class="edge starts", label="starts", penwidth=2];
          "connection_kyc_m2m" -> "app_kyc_m2m" [class="edge app", style=dashed];
        }
    "##]].assert_eq(&text::dot(&all(&ws)));
}

#[test]
fn bundle_example_as_mermaid() {
    check_mermaid(
        &example("bundles"),
        Select::Workspace,
        expect![[r##"
        flowchart TB
          subgraph group_form_0["form Welcome survey"]
            form_welcome_survey[["form Welcome survey"]]
            form_welcome_survey__step_survey["step_survey<br>STEP #183; Survey<br>fields: company, role"]
            form_welcome_survey__flow_save[/"flow_save<br>FLOW #183; Save the answers"/]
            form_welcome_survey__ending(("#36;ending"))
            subgraph group_flow_1["flow Save survey answers"]
              flow_save_survey_answers(["flow Save survey answers"])
              flow_save_survey_answers__save["save<br>AUTH0/UPDATE_USER<br>needs update:users<br>missing update:users<br>2 warnings: AUTH0/UPDATE_USER needs #96;update:users#96;, but the M2M application#8230;"]
              flow_save_survey_answers__notify["notify<br>SLACK/POST_MESSAGE<br>1 error: SLACK/POST_MESSAGE needs a vault connection with app_id SLACK, #8230;"]
            end
          end
          subgraph group_connections_2["vault connections and M2M applications"]
            connection_survey_m2m[("Survey M2M<br>AUTH0 connection")]
            app_survey_m2m[\"M2M application of Survey M2M<br>needs: update:users<br>granted (flowls.toml): read:users<br>missing: update:users<br>excess: read:users"\]
          end
          flow_save_survey_answers__save -.->|"uses"| connection_survey_m2m
          flow_save_survey_answers --> flow_save_survey_answers__save
          flow_save_survey_answers__notify -.->|"uses"| connection_survey_m2m
          flow_save_survey_answers__save --> flow_save_survey_answers__notify
          form_welcome_survey -->|"start"| form_welcome_survey__step_survey
          form_welcome_survey__step_survey --> form_welcome_survey__flow_save
          form_welcome_survey__flow_save --> form_welcome_survey__ending
          form_welcome_survey__flow_save ==>|"starts"| flow_save_survey_answers
          connection_survey_m2m -.-> app_survey_m2m
          classDef missing_scope fill:#fde2e2,stroke:#c62828,stroke-width:2px
          class flow_save_survey_answers__save,app_survey_m2m missing_scope
          classDef excess_scope stroke:#ef6c00,stroke-dasharray:4 2
          class app_survey_m2m excess_scope
          classDef has_error stroke:#c62828,stroke-width:2px
          class flow_save_survey_answers__notify has_error
          classDef has_warning stroke:#ef6c00,stroke-width:2px
          class flow_save_survey_answers__save has_warning
    "##]],
    );
}

const BRANCHES: &str = r###"
//- flow-vault-connections/Users.json
{"name": "Users", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "c1", "client_secret": "##S##", "domain": "t.auth0.com"}}
//- grants/c1.json
{"client_id": "c1", "audience": "https://t.auth0.com/api/v2/", "scope": ["read:users", "read:clients"]}
//- flows/Branchy.json
{"name": "Branchy", "actions": [
  {"id": "get", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "Users", "user_id": "{{context.user.user_id}}"}},
  {"id": "cond", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": {
    "if": {"operands": [{"operator": "EQUALS", "operands": ["{{actions.get.email}}", "x"]}]},
    "then": [
      {"id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "allow_failure": true, "params": {"connection_id": "Users", "user_id": "u", "changes": {}}}
    ],
    "else": []}},
  {"id": "wait", "type": "FLOW", "action": "DELAY_FLOW", "params": {"number": 1, "units": "HOUR"}}
]}
"###;

#[test]
fn branches_allow_failure_missing_scopes_and_findings() {
    let ws = workspace(BRANCHES);
    expect![[r#"
        flow flow_branchy flows/Branchy.json:1 []
        action flow_branchy__get flows/Branchy.json:2 []
        connection connection_users flow-vault-connections/Users.json:1 []
        action flow_branchy__cond flows/Branchy.json:3 []
        action flow_branchy__upd flows/Branchy.json:6 [missing-scope allow-failure has-warning] 1 warning: AUTH0/UPDATE_USER needs `update:users`, but the M2M application…
        action flow_branchy__wait flows/Branchy.json:9 [has-error] 1 error: `units` must be one of "SECONDS", "MINUTES", "HOURS", "DAYS"; f…
        application app_c1 grants/c1.json:1 [missing-scope excess-scope]
        flow_branchy__get -uses-> connection_users
        flow_branchy -next-> flow_branchy__get
        flow_branchy__get -next-> flow_branchy__cond
        flow_branchy__upd -uses-> connection_users
        flow_branchy__cond -then-> flow_branchy__upd
        flow_branchy__upd -next-> flow_branchy__wait
        flow_branchy__cond -else-> flow_branchy__wait
        connection_users -app-> app_c1
    "#]].assert_eq(&listing(&all(&ws)));
    check_mermaid(
        &ws,
        Select::Workspace,
        expect![[r#"
        flowchart TB
          subgraph group_flow_0["flow Branchy"]
            flow_branchy(["flow Branchy"])
            flow_branchy__get["get<br>AUTH0/GET_USER<br>needs read:users"]
            flow_branchy__cond["cond<br>FLOW/BOOLEAN_CONDITION"]
            flow_branchy__upd["upd<br>AUTH0/UPDATE_USER<br>needs update:users<br>allow_failure<br>missing update:users<br>1 warning: AUTH0/UPDATE_USER needs #96;update:users#96;, but the M2M application#8230;"]
            flow_branchy__wait["wait<br>FLOW/DELAY_FLOW<br>1 error: #96;units#96; must be one of #34;SECONDS#34;, #34;MINUTES#34;, #34;HOURS#34;, #34;DAYS#34;#59; f#8230;"]
          end
          subgraph group_connections_1["vault connections and M2M applications"]
            connection_users[("Users<br>AUTH0 connection<br>t.auth0.com")]
            app_c1[\"M2M application c1<br>needs: read:users, update:users<br>granted (grant): read:users, read:clients<br>missing: update:users<br>excess: read:clients"\]
          end
          flow_branchy__get -.->|"uses"| connection_users
          flow_branchy --> flow_branchy__get
          flow_branchy__get --> flow_branchy__cond
          flow_branchy__upd -.->|"uses"| connection_users
          flow_branchy__cond -->|"then"| flow_branchy__upd
          flow_branchy__upd --> flow_branchy__wait
          flow_branchy__cond -->|"else"| flow_branchy__wait
          connection_users -.-> app_c1
          classDef missing_scope fill:#fde2e2,stroke:#c62828,stroke-width:2px
          class flow_branchy__upd,app_c1 missing_scope
          classDef excess_scope stroke:#ef6c00,stroke-dasharray:4 2
          class app_c1 excess_scope
          classDef allow_failure stroke-dasharray:5 3
          class flow_branchy__upd allow_failure
          classDef has_error stroke:#c62828,stroke-width:2px
          class flow_branchy__wait has_error
          classDef has_warning stroke:#ef6c00,stroke-width:2px
          class flow_branchy__upd has_warning
    "#]],
    );
}

/// An AUTH0 connection that no action needs a scope from (one a MAILCHIMP action names by
/// mistake, one nothing uses) still stands for an M2M application: it is drawn behind it.
#[test]
fn every_auth0_connection_drawn_has_its_application() {
    let ws = workspace(
        r###"
//- flow-vault-connections/As Mailchimp.json
{"name": "Auth0 as Mailchimp", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "Other App", "client_secret": "##S##", "domain": "t.auth0.com"}}
//- flow-vault-connections/Spare.json
{"name": "Spare", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "Spare App", "client_secret": "##S2##", "domain": "t.auth0.com"}}
//- flows/Mail.json
{"name": "Mail", "actions": [
  {"id": "mail", "type": "MAILCHIMP", "action": "UPSERT_MEMBER", "params": {"connection_id": "Auth0 as Mailchimp", "list_id": "x", "member": {"email_address": "a@b.c", "status_if_new": "subscribed"}}}
]}
"###,
    );
    let g = all(&ws);
    let apps: Vec<(&str, &str)> = g
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::App)
        .map(|e| (g.nodes[e.from].title.as_str(), g.nodes[e.to].title.as_str()))
        .collect();
    assert_eq!(
        apps,
        [
            ("Auth0 as Mailchimp", "M2M application Other App"),
            ("Spare", "M2M application Spare App"),
        ],
        "{}",
        listing(&g)
    );
    let app = g
        .nodes
        .iter()
        .find(|n| n.title == "M2M application Other App")
        .unwrap();
    assert_eq!(
        app.lines,
        ["needs no scope", "granted: not known (see flowls.toml)"]
    );
    // the svg draws them too; `flowls scopes` still lists none of them (nothing to report)
    assert_svg_sound("idle applications", &g);
    let report = crate::analysis::least_privilege::report(&ws);
    assert!(report.applications.is_empty(), "{report:?}");
    assert_eq!(report.idle.len(), 2);
}

#[test]
fn long_runs_of_plain_actions_fold_and_unfold() {
    let mut fixture = String::from("//- flows/Long.json\n{\"name\": \"Long\", \"actions\": [");
    for i in 0..12 {
        if i > 0 {
            fixture.push(',');
        }
        fixture.push_str(&format!(
            "{{\"id\": \"s{i}\", \"type\": \"FLOW\", \"action\": \"STORE_VARS\", \"params\": {{\"vars\": {{\"a\": \"{i}\"}}}}}}"
        ));
    }
    fixture.push_str("]}\n");
    let ws = workspace(&fixture);
    let folded = all(&ws);
    expect![[r#"
        flow flow_long flows/Long.json:1 []
        action flow_long__s0 flows/Long.json:1 []
        fold flow_long__fold_1 flows/Long.json:1 []
        action flow_long__s11 flows/Long.json:1 []
        flow_long -next-> flow_long__s0
        flow_long__s0 -next-> flow_long__fold_1
        flow_long__fold_1 -next-> flow_long__s11
    "#]]
    .assert_eq(&listing(&folded));
    let fold = folded.nodes.iter().find(|n| n.kind == Kind::Fold).unwrap();
    // every folded action is still named
    for i in 1..11 {
        assert!(fold.lines.join(" ").contains(&format!("s{i}")), "{fold:?}");
    }
    let unfolded = build(&ws, &Select::Workspace, &Options { fold: false });
    assert_eq!(
        unfolded
            .nodes
            .iter()
            .filter(|n| n.kind == Kind::Action)
            .count(),
        12
    );
}

#[test]
fn a_document_selects_what_it_takes_part_in() {
    let ws = example("yaml");
    let path = ws.root.join("flows/Update KYC Name.json");
    let g = build(&ws, &Select::Document(path), &Options::default());
    let kinds: Vec<(&str, &str)> = g
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, Kind::Form | Kind::Flow))
        .map(|n| (n.kind.as_str(), n.title.as_str()))
        .collect();
    // the flow, and the form that starts it; not the other form nor its flow
    assert_eq!(
        kinds,
        [("form", "form KYC"), ("flow", "flow Update KYC Name")]
    );
    let named = build(
        &ws,
        &Select::Named {
            forms: vec!["Newsletter".into()],
            flows: vec![],
        },
        &Options::default(),
    );
    assert!(named.nodes.iter().any(|n| n.title == "form Newsletter"));
    assert!(!named.nodes.iter().any(|n| n.title == "form KYC"));
    // a vault file that no flow uses holds nothing to draw: the whole workspace
    let g = build(
        &ws,
        &Select::Document(ws.root.join("tenant.yaml")),
        &Options::default(),
    );
    assert_eq!(g.nodes.iter().filter(|n| n.kind == Kind::Form).count(), 2);
}

const HOSTILE: &str = r###"
//- flows/evil.json
{"name": "x\"]; click x call alert(1) %%{init: {'theme':'dark'}}%% </text><script>alert(1)</script> \u202e end", "actions": [
  {"id": "a\"\n\\b", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "##CONN_NAME##", "user_id": "u"}}
]}
"###;

#[test]
fn repository_text_is_escaped_in_every_format_and_environment_values_never_shown() {
    let ws = workspace_with(
        HOSTILE,
        vec![("CONN_NAME".into(), "s3cr3t-from-env".into())],
    );
    let g = all(&ws);
    let mermaid = text::mermaid(&g);
    let dot = text::dot(&g);
    let svg = svg::layout(&g).svg().to_string();
    let html = html::page(&g, "t", std::path::Path::new("/ws"));
    for out in [&mermaid, &dot, &svg, &html] {
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(!out.contains('\u{202e}'), "{out}");
    }
    // markup from the repository is text in the SVG and the page
    for out in [&svg, &html] {
        assert!(!out.contains("<script>alert"), "{out}");
        assert!(out.contains("&lt;script&gt;alert"), "{out}");
    }
    // mermaid: no statement, directive or comment can start inside a label
    for line in mermaid.lines() {
        assert!(!line.trim_start().starts_with("click"), "{line}");
    }
    assert!(!mermaid.contains("%%"), "{mermaid}");
    for line in mermaid
        .lines()
        .filter(|l| l.contains("[\"") || l.contains("([\""))
    {
        // one quoted label per node line: exactly two quotes
        assert_eq!(line.matches('"').count(), 2, "{line}");
    }
    // dot: every quote inside a string is escaped
    for line in dot.lines().filter(|l| l.contains("label=")) {
        let unescaped = line
            .char_indices()
            .filter(|&(i, c)| c == '"' && (i == 0 || line.as_bytes()[i - 1] != b'\\'))
            .count();
        assert_eq!(unescaped % 2, 0, "{line}");
    }
    assert!(
        g.nodes
            .iter()
            .any(|n| n.title.contains("##CONN_NAME## (environment)")
                || n.lines.iter().any(|l| l.contains("(environment)"))
                || n.title.contains("##CONN_NAME##"))
    );
}

/// A node's box as the SVG places it: its id (`data-node`, or `data-ref` for a copy), its
/// label's first line, its box in the page's coordinates.
#[derive(Debug)]
struct SvgBox {
    id: String,
    copy: bool,
    label: String,
    /// Every line of the label.
    lines: Vec<String>,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Every node of an SVG written by [`svg::layout`], read back as XML.
/// Where an element of the svg is moved to by the `translate(…)` of its ancestors.
fn translation(n: roxmltree::Node) -> (f64, f64) {
    let (mut x, mut y) = (0.0, 0.0);
    for a in n.ancestors().skip(1) {
        if let Some(t) = a.attribute("transform") {
            let inner = t.trim_start_matches("translate(").trim_end_matches(')');
            let mut it = inner.split([' ', ',']).filter(|s| !s.is_empty());
            x += it.next().unwrap().parse::<f64>().unwrap();
            y += it.next().unwrap().parse::<f64>().unwrap();
        }
    }
    (x, y)
}

fn svg_boxes(svg: &str) -> Vec<SvgBox> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let num = |n: roxmltree::Node, a: &str| -> f64 {
        let v: f64 = n
            .attribute(a)
            .unwrap_or_else(|| panic!("{a} of {n:?}"))
            .parse()
            .unwrap();
        assert!(v.is_finite());
        v
    };
    let mut out = Vec::new();
    for g in doc.descendants().filter(|n| {
        n.has_tag_name("g")
            && n.attribute("class")
                .is_some_and(|c| c.split(' ').any(|c| c == "node"))
    }) {
        // the group frame's translation
        let (gx, gy) = translation(g);
        let rect = g
            .children()
            .find(|c| c.has_tag_name("rect"))
            .expect("a box");
        let text = g
            .children()
            .find(|c| c.has_tag_name("text"))
            .expect("a label");
        let lines: Vec<String> = text
            .children()
            .filter(|c| c.has_tag_name("tspan"))
            .map(|t| t.text().unwrap_or_default().to_string())
            .collect();
        let label = lines.first().cloned().unwrap_or_default();
        assert!(g.attribute("data-file").is_some() && g.attribute("data-line").is_some());
        let (id, copy) = match (g.attribute("data-node"), g.attribute("data-ref")) {
            (Some(id), None) => (id.to_string(), false),
            (None, Some(id)) => (id.to_string(), true),
            other => panic!("one of data-node and data-ref: {other:?}"),
        };
        out.push(SvgBox {
            id,
            copy,
            label,
            lines,
            x: gx + num(rect, "x"),
            y: gy + num(rect, "y"),
            w: num(rect, "width"),
            h: num(rect, "height"),
        });
    }
    out
}

/// Every node of `g` in its SVG once (copies aside), each with a label and a box inside the
/// page, no two boxes overlapping.
fn assert_svg_sound(name: &str, g: &Graph) {
    let svg = svg::layout(g).svg().to_string();
    let boxes = svg_boxes(&svg);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let root = doc.root_element();
    let (width, height): (f64, f64) = (
        root.attribute("width").unwrap().parse().unwrap(),
        root.attribute("height").unwrap().parse().unwrap(),
    );
    let mut ids: Vec<&str> = boxes
        .iter()
        .filter(|b| !b.copy)
        .map(|b| b.id.as_str())
        .collect();
    let mut want: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    want.sort();
    ids.sort();
    assert_eq!(ids, want, "{name}: one element per node");
    for b in &boxes {
        assert!(!b.label.trim().is_empty(), "{name}: {b:?} has no label");
        assert!(b.w > 0.0 && b.h > 0.0, "{name}: {b:?}");
        // each line, as wide as it is drawn at most (bold titles, wide letters, CJK, emoji),
        // fits its box with room either side
        for (i, line) in b.lines.iter().enumerate() {
            let w = svg::line_width(i, line);
            assert!(
                w + 8.0 <= b.w,
                "{name}: {line:?} ({w:.1} px) overflows {b:?}"
            );
        }
        assert!(
            b.x >= 0.0 && b.y >= 0.0 && b.x + b.w <= width + 0.5 && b.y + b.h <= height + 0.5,
            "{name}: {b:?} outside the page {width}×{height}"
        );
    }
    // no two boxes overlap (copies included: they are drawn too); sorted by x, each box is
    // compared with those that start before it ends
    let mut by_x: Vec<&SvgBox> = boxes.iter().collect();
    by_x.sort_by(|a, b| a.x.total_cmp(&b.x));
    for (i, a) in by_x.iter().enumerate() {
        for b in by_x[i + 1..].iter().take_while(|b| b.x < a.x + a.w - 0.05) {
            let apart = a.y + a.h <= b.y + 0.05 || b.y + b.h <= a.y + 0.05;
            assert!(apart, "{name}: {a:?} overlaps {b:?}");
        }
    }
}

#[test]
fn svg_every_node_has_a_label_and_a_place_and_none_overlap() {
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/graph-layout");
    let workspaces = [
        ("tenant", example("tenant")),
        ("yaml", example("yaml")),
        ("bundles", example("bundles")),
        // labels much wider than their letter count
        ("graph-wide", fixture_workspace("graph-wide")),
        // a flow on which the layout library fails an assertion: laid out with less
        (
            "graph-layout",
            disk::load(&fixture, Settings::default(), Vec::new()).0,
        ),
    ];
    for (name, ws) in workspaces {
        assert_svg_sound(name, &all(&ws));
    }
    // several workspaces in one picture (`flowls graph PATH PATH`): each has its own group of
    // connections, every one of them drawn
    let mut several = all(&example("tenant"));
    several.append(all(&example("yaml")));
    several.append(all(&example("terraform")));
    assert_svg_sound("tenant + yaml + terraform", &several);
    // nothing to draw: the drawing says so, inside the page
    let empty = Graph::default();
    assert_svg_sound("empty", &empty);
    let svg = svg::layout(&empty).svg().to_string();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let said = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("empty"))
        .and_then(|n| n.text());
    assert_eq!(said, Some(NOTHING_TO_DRAW), "{svg}");
    let width: f64 = doc
        .root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap();
    assert!(width >= svg::line_width(1, NOTHING_TO_DRAW) + 20.0, "{svg}");
}

/// A flow of `n` AUTH0 actions, each on the connection `conn(i)`, and a vault holding `C`.
fn many_uses(n: usize, conn: impl Fn(usize) -> String) -> Workspace {
    let actions: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id": "a{i}", "type": "AUTH0", "action": "GET_USER", "params": {{"connection_id": "{}", "user_id": "u"}}}}"#,
                conn(i)
            )
        })
        .collect();
    workspace(&format!(
        "//- flows/f.json\n{{\"name\": \"F\", \"actions\": [{}]}}\n//- flow-vault-connections/c.json\n{{\"name\": \"C\", \"app_id\": \"AUTH0\", \"setup\": {{\"type\": \"OAUTH_APP\", \"client_id\": \"x\", \"client_secret\": \"##S##\", \"domain\": \"a.auth0.com\"}}}}\n",
        actions.join(",\n")
    ))
}

#[test]
fn many_actions_on_one_connection_or_on_missing_ones_stay_fast_and_sound() {
    // one connection used by every action: one node, laid out beside the flow
    let ws = many_uses(300, |_| "C".into());
    let g = all(&ws);
    assert_eq!(
        g.nodes
            .iter()
            .filter(|n| n.kind == Kind::Connection)
            .count(),
        1
    );
    let t = std::time::Instant::now();
    assert_svg_sound("one connection", &g);
    // a generous bound (debug build, a busy machine): the layout was minutes before
    assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    // each action on a connection no vault holds, one name used twice: one node per name
    let ws = many_uses(1000, |i| format!("nope {}", i / 2));
    let g = all(&ws);
    let missing: Vec<&Node> = g.nodes.iter().filter(|n| n.kind == Kind::Missing).collect();
    assert_eq!(missing.len(), 500);
    assert!(missing.iter().all(|n| n.marks.contains(&Mark::Unresolved)));
    let uses = g.edges.iter().filter(|e| e.kind == EdgeKind::Uses).count();
    assert_eq!(uses, 1000);
    let t = std::time::Instant::now();
    let svg = svg::layout(&g).svg().to_string();
    assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    // a block this big is laid out without crossing reduction, and says so
    assert!(
        svg.contains("laid out without crossing reduction"),
        "{}",
        &svg[..2000]
    );
    assert_svg_sound("missing connections", &g);
}

#[test]
fn a_condition_without_else_forks_to_the_end_and_long_names_are_cut() {
    let long = "n".repeat(5000);
    let ws = workspace(&format!(
        r#"//- flows/f.json
{{"name": "{long}", "actions": [
  {{"id": "c", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": {{"if": true, "then": [
    {{"id": "t", "type": "FLOW", "action": "STORE_VARS", "params": {{"vars": {{}}}}}}
  ]}}}}
]}}
"#
    ));
    let g = all(&ws);
    let by_id = |id: &str| g.nodes.iter().position(|n| n.id.ends_with(id)).unwrap();
    let (c, t, end) = (by_id("__c"), by_id("__t"), by_id("__end"));
    assert_eq!(g.nodes[end].kind, Kind::Ending);
    let has = |from, to, kind| {
        g.edges
            .iter()
            .any(|e| e.from == from && e.to == to && e.kind == kind)
    };
    assert!(has(c, t, EdgeKind::Then));
    assert!(has(c, end, EdgeKind::Else), "{:?}", g.edges);
    assert!(has(t, end, EdgeKind::Next));
    let flow = g.nodes.iter().find(|n| n.kind == Kind::Flow).unwrap();
    assert!(flow.title.chars().count() <= TITLE_MAX && flow.title.ends_with('…'));
    assert!(flow.name.chars().count() <= NAME_MAX);
    assert!(
        g.groups
            .iter()
            .all(|gr| gr.title.chars().count() <= TITLE_MAX)
    );
    let svg = svg::layout(&g).svg().to_string();
    assert!(svg.len() < 40_000, "{}", svg.len());
    assert_svg_sound("long name", &g);
}

#[test]
fn a_flow_id_marker_starts_the_flow_named_by_the_same_marker() {
    let ws = workspace(
        r###"//- forms/f.json
{"name": "Form", "start": {"next_node": "fl"}, "nodes": [
  {"id": "fl", "type": "FLOW", "config": {"flow_id": "##FLOWNAME##", "next_node": "$ending"}}
], "ending": {}}
//- flows/a.json
{"name": "##FLOWNAME##", "actions": []}
"###,
    );
    let g = all(&ws);
    let step = g
        .nodes
        .iter()
        .position(|n| n.id == "form_form__fl")
        .unwrap();
    let flow = g.nodes.iter().position(|n| n.kind == Kind::Flow).unwrap();
    assert!(
        g.edges
            .iter()
            .any(|e| e.from == step && e.to == flow && e.kind == EdgeKind::Starts),
        "{:?}",
        g.edges
    );
}

#[test]
fn a_connection_id_marker_uses_the_connection_named_by_the_same_marker() {
    for config in [
        "",
        "//- config.json\n{ \"AUTH0_KEYWORD_REPLACE_MAPPINGS\": { \"VNAME\": \"Team Slack\" } }\n",
    ] {
        let ws = workspace(&format!(
            r###"//- flow-vault-connections/v.json
{{"name": "##VNAME##", "app_id": "SLACK", "setup": {{"type": "WEBHOOK", "url": "https://hooks.slack.com/services/x"}}}}
//- flows/f.json
{{"name": "F", "actions": [{{"id": "n", "type": "SLACK", "action": "POST_MESSAGE", "params": {{"connection_id": "##VNAME##", "text": "hi"}}}}]}}
{config}"###
        ));
        let g = all(&ws);
        let action = g.nodes.iter().position(|n| n.id == "flow_f__n").unwrap();
        let to: Vec<&str> = g
            .edges
            .iter()
            .filter(|e| e.from == action && e.kind == EdgeKind::Uses)
            .map(|e| g.nodes[e.to].id.as_str())
            .collect();
        assert_eq!(to, ["connection_vname"], "{config}");
        assert!(!g.nodes.iter().any(|n| n.kind == Kind::Missing), "{config}");
    }
}

#[test]
fn fifty_flows_make_a_page_of_about_16_by_10() {
    let mut text = String::new();
    for f in 0..50 {
        let actions: Vec<String> = (0..2 + f % 9)
            .map(|i| format!(r#"{{"id": "a{i}", "type": "FLOW", "action": "STORE_VARS", "params": {{"vars": {{}}}}}}"#))
            .collect();
        text.push_str(&format!(
            "//- flows/f{f}.json\n{{\"name\": \"F{f}\", \"actions\": [{}]}}\n",
            actions.join(", ")
        ));
    }
    let g = all(&workspace(&text));
    let laid = svg::layout(&g);
    let ratio = laid.width / laid.height;
    assert!(
        (1.2..2.2).contains(&ratio),
        "{} × {}",
        laid.width,
        laid.height
    );
    assert_svg_sound("fifty flows", &g);
}

#[test]
fn any_bytes_give_a_graph() {
    for text in [
        "",
        "{",
        "[1,2",
        "{\"actions\": [{\"type\": 1}]}",
        "{\"nodes\": 5, \"start\": []}",
        "{\"form\": {\"nodes\": [{\"id\": 1, \"config\": {\"next_node\": {}}}]}, \"flows\": []}",
    ] {
        let ws = workspace(&format!(
            "//- flows/f.json\n{text}\n//- forms/g.json\n{text}\n"
        ));
        let g = all(&ws);
        let _ = (text::mermaid(&g), text::dot(&g), svg::layout(&g));
    }
}

#[test]
fn terraform_example() {
    let ws = example("terraform");
    let g = all(&ws);
    expect![[r#"
        form form_welcome_survey forms.tf:19 []
        flow flow_save_survey_answers forms.tf:11 [has-error] 2 errors: #CONN-2# stands for a SLACK connection in exported_forms/survey…
        action flow_save_survey_answers__save exported_forms/survey.json:74 [has-warning] 1 warning: no form that starts this flow has a field `roel`: did you mean …
        connection connection_team_slack main.tf:30 []
        action flow_save_survey_answers__notify exported_forms/survey.json:89 []
        connection connection_users_m2m main.tf:19 []
        flow flow_onboard_new_user main.tf:45 []
        action flow_onboard_new_user__get_user main.tf:48 []
        action flow_onboard_new_user__mark_onboarded main.tf:57 [missing-scope has-warning] 1 warning: AUTH0/UPDATE_USER needs `update:users`, but the M2M application…
        action flow_onboard_new_user__tell_the_team main.tf:67 [has-warning] 1 warning: `connection_id` is the literal id "ac_9f3kQ2xLmN4pR7sT" of one …
        step form_welcome_survey__step_survey exported_forms/survey.json:10 []
        flow-step form_welcome_survey__flow_save exported_forms/survey.json:53 []
        ending form_welcome_survey__ending exported_forms/survey.json:65 []
        application app_auth0_client_flows_client_id main.tf:12 [missing-scope]
        flow_save_survey_answers__save -uses-> connection_team_slack
        flow_save_survey_answers -next-> flow_save_survey_answers__save
        flow_save_survey_answers__notify -uses-> connection_users_m2m
        flow_save_survey_answers__save -next-> flow_save_survey_answers__notify
        flow_onboard_new_user__get_user -uses-> connection_users_m2m
        flow_onboard_new_user -next-> flow_onboard_new_user__get_user
        flow_onboard_new_user__mark_onboarded -uses-> connection_users_m2m
        flow_onboard_new_user__get_user -next-> flow_onboard_new_user__mark_onboarded
        flow_onboard_new_user__tell_the_team -uses-> connection_team_slack
        flow_onboard_new_user__mark_onboarded -next-> flow_onboard_new_user__tell_the_team
        form_welcome_survey -start-> form_welcome_survey__step_survey
        form_welcome_survey__step_survey -next-> form_welcome_survey__flow_save
        form_welcome_survey__flow_save -next-> form_welcome_survey__ending
        form_welcome_survey__flow_save -starts-> flow_save_survey_answers
        connection_users_m2m -app-> app_auth0_client_flows_client_id
    "#]].assert_eq(&listing(&g));
    // the bundle the guide-style resources read is drawn once, as those resources
    let flows: Vec<&str> = g
        .nodes
        .iter()
        .filter(|n| n.kind == Kind::Flow)
        .map(|n| n.title.as_str())
        .collect();
    assert_eq!(flows, ["flow Save survey answers", "flow Onboard new user"]);
    check_mermaid(
        &ws,
        Select::Document(ws.root.join("forms.tf")),
        expect![[r##"
            flowchart TB
              subgraph group_form_0["form Welcome survey"]
                form_welcome_survey[["form Welcome survey<br>auth0_form.survey"]]
                form_welcome_survey__step_survey["step_survey<br>STEP #183; Survey<br>fields: company, role"]
                form_welcome_survey__flow_save[/"flow_save<br>FLOW #183; Save the answers"/]
                form_welcome_survey__ending(("#36;ending"))
                subgraph group_flow_1["flow Save survey answers"]
                  flow_save_survey_answers(["flow Save survey answers<br>auth0_flow.survey<br>2 errors: #35;CONN-2#35; stands for a SLACK connection in exported_forms/survey#8230;"])
                  flow_save_survey_answers__save["save<br>AUTH0/UPDATE_USER<br>needs update:users<br>1 warning: no form that starts this flow has a field #96;roel#96;: did you mean #8230;"]
                  flow_save_survey_answers__notify["notify<br>SLACK/POST_MESSAGE"]
                end
              end
              subgraph group_connections_2["vault connections and M2M applications"]
                connection_team_slack[("Team Slack<br>SLACK connection")]
                connection_users_m2m[("Users M2M<br>AUTH0 connection<br>example-tenant.us.auth0.com")]
                app_auth0_client_flows_client_id[\"M2M application auth0_client.flows.client_id<br>needs: read:users, update:users<br>granted (grant): read:users<br>missing: update:users"\]
              end
              flow_save_survey_answers__save -.->|"uses"| connection_team_slack
              flow_save_survey_answers --> flow_save_survey_answers__save
              flow_save_survey_answers__notify -.->|"uses"| connection_users_m2m
              flow_save_survey_answers__save --> flow_save_survey_answers__notify
              form_welcome_survey -->|"start"| form_welcome_survey__step_survey
              form_welcome_survey__step_survey --> form_welcome_survey__flow_save
              form_welcome_survey__flow_save --> form_welcome_survey__ending
              form_welcome_survey__flow_save ==>|"starts"| flow_save_survey_answers
              connection_users_m2m -.-> app_auth0_client_flows_client_id
              classDef missing_scope fill:#fde2e2,stroke:#c62828,stroke-width:2px
              class app_auth0_client_flows_client_id missing_scope
              classDef has_error stroke:#c62828,stroke-width:2px
              class flow_save_survey_answers has_error
              classDef has_warning stroke:#ef6c00,stroke-width:2px
              class flow_save_survey_answers__save has_warning
        "##]],
    );
}

const TERRAFORM: &str = r###"
//- main.tf
resource "auth0_flow_vault_connection" "users" {
  name   = "Users"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = "t.auth0.com"
    client_id     = "cid"
    client_secret = var.secret
  }
}

resource "auth0_client_grant" "flows" {
  client_id = "cid"
  audience  = "https://t.auth0.com/api/v2/"
  scopes    = ["read:users"]
}

resource "auth0_flow" "check" {
  name = "Check user"
  actions = jsonencode([
    {
      id     = "get"
      type   = "AUTH0"
      action = "GET_USER"
      params = {
        connection_id = auth0_flow_vault_connection.users.id
        user_id       = "{{context.user.user_id}}"
      }
    },
    {
      id     = "block"
      type   = "AUTH0"
      action = "UPDATE_USER"
      allow_failure = true
      params = {
        connection_id = auth0_flow_vault_connection.users.id
        user_id       = "{{context.user.user_id}}"
        changes       = { blocked = true }
      }
    }
  ])
}

variable "secret" {
  type      = string
  sensitive = true
}
//- forms.tf
resource "auth0_form" "gate" {
  name  = "Gate"
  start = jsonencode({ next_node = "ask" })
  nodes = jsonencode([
    {
      id   = "ask"
      type = "STEP"
      config = {
        components = [{ id = "email", category = "FIELD", type = "EMAIL" }]
        next_node  = "run"
      }
    },
    {
      id   = "run"
      type = "FLOW"
      config = {
        flow_id   = auth0_flow.check.id
        next_node = "$ending"
      }
    },
    {
      id   = "again"
      type = "FLOW"
      config = {
        flow_id   = auth0_flow.nothing.id
        next_node = "$ending"
      }
    }
  ])
  ending = jsonencode({ resume_flow = true })
}
//- uses.tf
resource "auth0_flow" "elsewhere" {
  name    = "Elsewhere"
  actions = jsonencode([{ id = "read", type = "AUTH0", action = "GET_USER", params = { connection_id = auth0_flow_vault_connection.users.id, user_id = "u" } }])
}
//- other.tf
resource "auth0_flow" "unrelated" {
  name    = "Unrelated"
  actions = jsonencode([{ id = "wait", type = "FLOW", action = "DELAY_FLOW", params = { number = 1, units = "SECONDS" } }])
}
"###;

#[test]
fn terraform_inline_resources_as_dot() {
    let ws = workspace(TERRAFORM);
    let g = all(&ws);
    expect![[r##"
        digraph flowls {
          graph [rankdir=TB, fontname="sans-serif", fontsize=11];
          node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="sans-serif", fontsize=10];
          edge [fontname="sans-serif", fontsize=9];
          subgraph cluster_group_form_0 {
            label="form Gate";
            "form_gate" [label="form Gate\nauth0_form.gate", shape=tab, id="form_gate", class="node form", tooltip="forms.tf:2"];
            "form_gate__ask" [label="ask\nSTEP\nfields: email", shape=box, id="form_gate__ask", class="node step", tooltip="forms.tf:6"];
            "form_gate__run" [label="run\nFLOW", shape=parallelogram, id="form_gate__run", class="node flow-step", tooltip="forms.tf:14"];
            "form_gate__again" [label="again\nFLOW\n1 error: `auth0_flow.nothing` names no auth0_flow resource that a .tf fi…", shape=parallelogram, id="form_gate__again", class="node flow-step has-error", tooltip="forms.tf:22", color="#c62828", penwidth=2];
            "form_gate__ending" [label="$ending", shape=doublecircle, id="form_gate__ending", class="node ending", tooltip="forms.tf:30"];
            "form_gate__missing_flow_auth0_flow_nothing_id" [label="flow auth0_flow.nothing.id\nno flow of this name in the workspace", shape=note, id="form_gate__missing_flow_auth0_flow_nothing_id", class="node missing unresolved", tooltip="forms.tf:25", fillcolor="#fde2e2", style="rounded,filled,dashed"];
            subgraph cluster_group_flow_1 {
              label="flow Check user";
              "flow_check_user" [label="flow Check user\nauth0_flow.check", shape=oval, id="flow_check_user", class="node flow", tooltip="main.tf:19"];
              "flow_check_user__get" [label="get\nAUTH0/GET_USER\nneeds read:users", shape=box, id="flow_check_user__get", class="node action", tooltip="main.tf:22"];
              "flow_check_user__block" [label="block\nAUTH0/UPDATE_USER\nneeds update:users\nallow_failure\nmissing update:users\n1 warning: AUTH0/UPDATE_USER needs `update:users`, but the M2M application…", shape=box, id="flow_check_user__block", class="node action missing-scope allow-failure has-warning", tooltip="main.tf:31", color="#c62828", penwidth=2, fillcolor="#fde2e2", style="rounded,filled,dashed"];
            }
          }
          subgraph cluster_group_flow_3 {
            label="flow Unrelated";
            "flow_unrelated" [label="flow Unrelated\nauth0_flow.unrelated", shape=oval, id="flow_unrelated", class="node flow", tooltip="other.tf:2"];
            "flow_unrelated__wait" [label="wait\nFLOW/DELAY_FLOW", shape=box, id="flow_unrelated__wait", class="node action", tooltip="other.tf:3"];
          }
          subgraph cluster_group_flow_4 {
            label="flow Elsewhere";
            "flow_elsewhere" [label="flow Elsewhere\nauth0_flow.elsewhere", shape=oval, id="flow_elsewhere", class="node flow", tooltip="uses.tf:2"];
            "flow_elsewhere__read" [label="read\nAUTH0/GET_USER\nneeds read:users", shape=box, id="flow_elsewhere__read", class="node action", tooltip="uses.tf:3"];
          }
          subgraph cluster_group_connections_2 {
            label="vault connections and M2M applications"; style=dashed;
            "connection_users" [label="Users\nAUTH0 connection\nt.auth0.com", shape=cylinder, id="connection_users", class="node connection", tooltip="main.tf:2"];
            "app_cid" [label="M2M application cid\nneeds: read:users, update:users\ngranted (grant): read:users\nmissing: update:users", shape=component, id="app_cid", class="node application missing-scope", tooltip="main.tf:12", color="#c62828", penwidth=2, fillcolor="#fde2e2"];
          }
          "flow_check_user__get" -> "connection_users" [class="edge uses", label="uses", style=dashed];
          "flow_check_user" -> "flow_check_user__get" [class="edge next"];
          "flow_check_user__block" -> "connection_users" [class="edge uses", label="uses", style=dashed];
          "flow_check_user__get" -> "flow_check_user__block" [class="edge next"];
          "flow_unrelated" -> "flow_unrelated__wait" [class="edge next"];
          "flow_elsewhere__read" -> "connection_users" [class="edge uses", label="uses", style=dashed];
          "flow_elsewhere" -> "flow_elsewhere__read" [class="edge next"];
          "form_gate" -> "form_gate__ask" [class="edge next", label="start"];
          "form_gate__ask" -> "form_gate__run" [class="edge next"];
          "form_gate__run" -> "form_gate__ending" [class="edge next"];
          "form_gate__run" -> "flow_check_user" [class="edge starts", label="starts", penwidth=2];
          "form_gate__again" -> "form_gate__ending" [class="edge next"];
          "form_gate__again" -> "form_gate__missing_flow_auth0_flow_nothing_id" [class="edge starts", label="starts", penwidth=2];
          "connection_users" -> "app_cid" [class="edge app", style=dashed];
        }
    "##]].assert_eq(&text::dot(&g));
    // every node's place is in the .tf file of its resource
    for n in &g.nodes {
        assert!(n.rel.ends_with(".tf"), "{} at {}", n.id, n.rel);
        assert!(
            n.id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
    }
    // the same graph built again has the same ids
    let ids = |g: &Graph| g.nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&g), ids(&all(&ws)));
    // a `.tf` document: the resources it holds and those that take part with them
    let titles = |path: &str| {
        let g = build(
            &ws,
            &Select::Document(ws.root.join(path)),
            &Options::default(),
        );
        g.nodes
            .iter()
            .filter(|n| matches!(n.kind, Kind::Form | Kind::Flow))
            .map(|n| n.title.clone())
            .collect::<Vec<_>>()
    };
    // its flow, the flow of another file that uses its vault connection, the form that starts
    // the first (by `auth0_flow.check.id`); not the unrelated flow
    assert_eq!(
        titles("main.tf"),
        ["form Gate", "flow Check user", "flow Elsewhere"]
    );
    assert_eq!(titles("uses.tf"), ["flow Elsewhere"]);
    assert_eq!(titles("forms.tf"), ["form Gate", "flow Check user"]);
    assert_eq!(titles("other.tf"), ["flow Unrelated"]);
    let (forms, flows) = names(&ws);
    assert_eq!(forms, ["Gate"]);
    assert_eq!(flows, ["Check user", "Unrelated", "Elsewhere"]);
}

/// Points along every `uses` edge of `svg` (its lines and curves sampled), in page coordinates.
fn uses_edge_points(svg: &str) -> Vec<Vec<(f64, f64)>> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let mut out = Vec::new();
    for p in doc.descendants().filter(|n| {
        n.has_tag_name("path") && n.attribute("class").is_some_and(|c| c == "edge uses")
    }) {
        let (gx, gy) = translation(p);
        let tokens: Vec<&str> = p
            .attribute("d")
            .unwrap()
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .collect();
        let mut points = Vec::new();
        let (mut at, mut i) = ((0.0, 0.0), 0);
        let num = |k: usize| -> f64 { tokens[k].parse().unwrap() };
        while i < tokens.len() {
            match tokens[i] {
                "M" => {
                    at = (num(i + 1), num(i + 2));
                    points.push(at);
                    i += 3;
                }
                "L" => {
                    let to = (num(i + 1), num(i + 2));
                    for k in 1..=20 {
                        let t = f64::from(k) / 20.0;
                        points.push((at.0 + (to.0 - at.0) * t, at.1 + (to.1 - at.1) * t));
                    }
                    at = to;
                    i += 3;
                }
                "C" => {
                    let (c0, c1, to) = (
                        (num(i + 1), num(i + 2)),
                        (num(i + 3), num(i + 4)),
                        (num(i + 5), num(i + 6)),
                    );
                    for k in 1..=40 {
                        let t = f64::from(k) / 40.0;
                        let u = 1.0 - t;
                        let b = |a: f64, b: f64, c: f64, d: f64| {
                            u * u * u * a
                                + 3.0 * u * u * t * b
                                + 3.0 * u * t * t * c
                                + t * t * t * d
                        };
                        points.push((b(at.0, c0.0, c1.0, to.0), b(at.1, c0.1, c1.1, to.1)));
                    }
                    at = to;
                    i += 7;
                }
                other => panic!("a uses edge is lines and curves: {other}"),
            }
        }
        out.push(points.into_iter().map(|(x, y)| (x + gx, y + gy)).collect());
    }
    out
}

/// A flow's edge to the connection an action uses leaves the flow around its other boxes: no
/// point of it lies inside a box, but at its two ends.
#[test]
fn svg_uses_edges_cross_no_box() {
    let workspaces = [
        ("tenant", example("tenant")),
        ("yaml", example("yaml")),
        ("bundles", example("bundles")),
        ("terraform", example("terraform")),
        ("fixtures/bundles", fixture_workspace("bundles")),
        (
            "fixtures/deploy-cli-directory",
            fixture_workspace("deploy-cli-directory"),
        ),
    ];
    for (name, ws) in workspaces {
        let svg = svg::layout(&all(&ws)).svg().to_string();
        let boxes = svg_boxes(&svg);
        let edges = uses_edge_points(&svg);
        assert!(!edges.is_empty(), "{name}: no uses edge");
        for points in edges {
            let (first, last) = (points[0], points[points.len() - 1]);
            for &(x, y) in &points {
                for b in &boxes {
                    let inside = x > b.x + 1.0
                        && x < b.x + b.w - 1.0
                        && y > b.y + 1.0
                        && y < b.y + b.h - 1.0;
                    let at_end =
                        |(ex, ey): (f64, f64)| (ex - x).abs() < 1.0 && (ey - y).abs() < 1.0;
                    assert!(
                        !inside || at_end(first) || at_end(last),
                        "{name}: a uses edge passes through {} at ({x:.1}, {y:.1})",
                        b.id
                    );
                }
            }
        }
    }
}

/// The same tenant kept in deploy-cli's directory layout and in its YAML format (the two
/// fixtures are one export, tests/fixtures/*/README.md) is one picture, in every text format.
#[test]
fn the_directory_and_yaml_layouts_of_one_tenant_are_one_picture() {
    let dir = all(&fixture_workspace("deploy-cli-directory"));
    let yaml = all(&fixture_workspace("deploy-cli-yaml"));
    assert!(dir.nodes.len() > 5, "{}", text::mermaid(&dir));
    assert_eq!(text::mermaid(&dir), text::mermaid(&yaml));
    // dot names each node's file and line (a vault is in tenant.yaml in one, a file of its own
    // in the other): all else is the same
    let places = |dot: String| -> String {
        dot.lines()
            .map(|l| match l.find(", tooltip=\"") {
                Some(i) => format!("{}]", &l[..i]),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(places(text::dot(&dir)), places(text::dot(&yaml)));
}

/// A run too long for the fold's six lines of ids says how many it leaves out, and no line
/// ends on a dangling comma.
#[test]
fn a_fold_of_thousands_of_actions_says_how_many_ids_it_leaves_out() {
    let actions: Vec<String> = (0..2000)
        .map(|i| format!("{{\"id\": \"a{i}\", \"type\": \"FLOW\", \"action\": \"STORE_VARS\", \"params\": {{\"vars\": {{\"x\": 1}}}}}}"))
        .collect();
    let ws = workspace(&format!(
        "//- flows/Huge.json\n{{\"name\": \"Huge\", \"actions\": [{}]}}\n",
        actions.join(",")
    ));
    let g = all(&ws);
    let fold = g.nodes.iter().find(|n| n.kind == Kind::Fold).unwrap();
    assert_eq!(fold.title, "1998 more actions");
    assert_eq!(fold.lines.len(), 6, "{fold:?}");
    let last = fold.lines.last().unwrap();
    assert!(
        last.contains(" … and ") && last.ends_with(" more"),
        "{last}"
    );
    // the ids named and the number said add up to the run
    let left: usize = last
        .rsplit(" … and ")
        .next()
        .unwrap()
        .trim_end_matches(" more")
        .parse()
        .unwrap();
    let named = fold.lines.join(" ").split(", ").count();
    assert_eq!(left + named, 1998, "{fold:?}");
}
