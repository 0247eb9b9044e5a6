-- Test-only stand-in for the SQL side of Azure's pgaadauth extension (Azure Database for
-- PostgreSQL flexible server), for PostgreSQL 15 and 17 with pgaadauth_standin.so preloaded.
-- The harness runs this as the bootstrap superuser azuresu in template1 (so every database the
-- tests create has it) and in postgres. Signatures follow Microsoft's "Manage Microsoft Entra
-- roles" article; the functions live in pg_catalog as Azure's do, so they are callable
-- unqualified and stay out of user schemas that the code under test creates and inspects.
--
-- The test directory (the Entra principals and group memberships that Azure would read from
-- Microsoft Graph) is a JSON file in the data directory, written by the harness
-- (PgCluster.setDirectory): roles are cluster-wide, so the directory must be readable from
-- every database, which a table in one database is not.

-- Azure's built-in group of Entra administrators (and of the password admin).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'azure_pg_admin') THEN
    CREATE ROLE azure_pg_admin NOLOGIN;
  END IF;
END
$$;

-- PostgreSQL 16 changed the role model; where the two differ the functions below branch on this.
CREATE OR REPLACE FUNCTION pg_catalog.standin_pg16_roles()
RETURNS boolean LANGUAGE sql STABLE
AS $$ SELECT current_setting('server_version_num')::int >= 160000 $$;

-- Memberships that put a role in a group, for group sync: pg_auth_members without, on 16 and
-- later, the ADMIN-only rows (no INHERIT, no SET) that CREATE ROLE records for its non-superuser
-- creator (createrole_self_grant semantics: the Entra administrator who created a group role
-- administers it but is not in the group). On 15 every row is a membership. Built per major
-- because 15's pg_auth_members has no inherit_option or set_option column.
DO $$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION pg_catalog.standin_memberships()
    RETURNS TABLE (member oid, roleid oid)
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
    AS $b$ SELECT am.member, am.roleid FROM pg_auth_members am %s $b$
  $f$, CASE WHEN standin_pg16_roles()
            THEN 'WHERE am.inherit_option OR am.set_option OR NOT am.admin_option' ELSE '' END);
END
$$;

-- Whether memberRole is in groupRole, directly or through other groups (pg_has_role's MEMBER,
-- counting only standin_memberships()).
CREATE OR REPLACE FUNCTION pg_catalog.standin_is_member(memberRole name, groupRole name)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  WITH RECURSIVE up(id) AS (
    SELECT oid FROM pg_roles WHERE rolname = memberRole
    UNION
    SELECT m.roleid FROM standin_memberships() m JOIN up ON m.member = up.id
  )
  SELECT EXISTS (SELECT FROM up JOIN pg_roles r ON r.oid = up.id WHERE r.rolname = groupRole)
$$;

-- Microsoft's "Access management" article (articles/postgresql/security/security-access-control.md
-- in MicrosoftDocs/azure-databases-docs), section "Public schema ownership changes in Azure
-- Database for PostgreSQL": PostgreSQL 15 made pg_database_owner own the public schema, but "in
-- Azure Database for PostgreSQL, this change doesn't apply. The public schema is owned by the
-- azure_pg_admin role across all supported PostgreSQL versions." Run in template1 and postgres,
-- so databases created later inherit it.
ALTER SCHEMA public OWNER TO azure_pg_admin;

-- pgaadauth_create_principal* exist only in the postgres database on Azure: Microsoft's "Connect
-- with managed identity" article (articles/postgresql/security/security-connect-with-managed-identity.md):
-- "pgaadauth_create_principal must be run on the Postgres database", and "If you see an error
-- like "No function matches...", make sure you're connecting to the postgres database". The
-- stand-in installs the functions everywhere (template1) and raises PostgreSQL's own
-- function-does-not-exist error, which is what Azure's users see, outside postgres.
CREATE OR REPLACE FUNCTION pg_catalog.standin_require_postgres_database(signature text)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF current_database() <> 'postgres' THEN
    RAISE EXCEPTION 'function % does not exist', signature
      USING ERRCODE = 'undefined_function',
            HINT = 'No function matches the given name and argument types. You might need to add explicit type casts.',
            DETAIL = 'pgaadauth stand-in: as on Azure, Microsoft Entra principals are created in the postgres database only, not in "' || current_database() || '".';
  END IF;
END
$$;

-- [{ "oid": "<uuid>", "name": "...", "type": "user|group|service", "memberOf": ["<group oid>"] }]
-- SECURITY DEFINER because pg_read_file is superuser-only and Entra administrators are not.
CREATE OR REPLACE FUNCTION pg_catalog.standin_directory()
RETURNS TABLE (oid text, name text, type text, member_of text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT lower(e->>'oid'), e->>'name', e->>'type',
         ARRAY(SELECT lower(g) FROM jsonb_array_elements_text(coalesce(e->'memberOf', '[]')) g)
  FROM jsonb_array_elements(
         coalesce(pg_read_file('pgaadauth_standin_directory.json', 0, 100000000, true), '[]')::jsonb) e
$$;

-- The label grammar is enforced by the C module; this only splits a valid label.
-- Returns {oid, type, admin} or NULL.
CREATE OR REPLACE FUNCTION pg_catalog.standin_parse_label(label text)
RETURNS text[] LANGUAGE sql IMMUTABLE
AS $$
  SELECT regexp_match(label, '^aadauth,oid=([0-9A-Fa-f-]{36}),type=(user|group|service)(,admin)?$')
$$;

-- Whether the role carries the pgaadauth label of a Microsoft Entra administrator (",admin").
CREATE OR REPLACE FUNCTION pg_catalog.standin_is_labelled_admin(roleName text)
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (
    SELECT FROM pg_shseclabel l JOIN pg_roles r ON r.oid = l.objoid
    WHERE r.rolname = roleName AND l.classoid = 'pg_authid'::regclass
      AND l.provider = 'pgaadauth' AND (standin_parse_label(l.label))[3] IS NOT NULL)
$$;

-- Makes a role Entra-labelled as admin a member of azure_pg_admin, with the superuser's rights
-- (SECURITY DEFINER): the label, which only an Entra administrator can set, is the permission.
CREATE OR REPLACE FUNCTION pg_catalog.standin_add_to_admin_group(roleName text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT standin_is_labelled_admin(roleName) THEN
    RAISE EXCEPTION 'role "%" is not labelled as a Microsoft Entra administrator', roleName
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT pg_has_role(roleName, 'azure_pg_admin', 'MEMBER') THEN
    EXECUTE format('GRANT azure_pg_admin TO %I', roleName);
  END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION pg_catalog.standin_add_to_admin_group(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_catalog.standin_add_to_admin_group(text) TO azure_pg_admin;

CREATE OR REPLACE FUNCTION pg_catalog.pgaadauth_create_principal_with_oid(
  roleName text, objectId text, objectType text, isAdmin boolean, isMfa boolean)
RETURNS text
-- SECURITY INVOKER on purpose: CREATE ROLE needs the caller's CREATEROLE and the label hook
-- checks that the caller is an Entra administrator, as Azure does.
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM standin_require_postgres_database('pgaadauth_create_principal_with_oid(text, text, text, boolean, boolean)');
  IF objectType IS NULL OR objectType NOT IN ('user', 'group', 'service') THEN
    RAISE EXCEPTION 'objectType must be user, group or service, not %', coalesce(quote_literal(objectType), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF isMfa THEN
    -- Azure would check the token's mfa claim; the stand-in's tokens have none, so refuse
    -- rather than pretend to enforce it.
    RAISE EXCEPTION 'isMfa => true is not emulated by the pgaadauth stand-in'
      USING ERRCODE = 'feature_not_supported';
  END IF;
  IF isAdmin THEN
    EXECUTE format('CREATE ROLE %I LOGIN CREATEROLE CREATEDB', roleName);
  ELSE
    EXECUTE format('CREATE ROLE %I LOGIN', roleName);
  END IF;
  EXECUTE format('SECURITY LABEL FOR "pgaadauth" ON ROLE %I IS %L', roleName,
    format('aadauth,oid=%s,type=%s', objectId, objectType) || CASE WHEN isAdmin THEN ',admin' ELSE '' END);
  IF isAdmin THEN
    -- Granting azure_pg_admin is refused to non-superusers (restricted role, see
    -- pgaadauth_standin.c); Azure's own function does it with its own rights, so does this.
    PERFORM standin_add_to_admin_group(roleName);
  END IF;
  RETURN 'Created role for ' || roleName;
END
$$;

-- Azure resolves the name in Microsoft Graph (UPN for users, display name for groups and
-- service principals); the stand-in resolves it in the test directory.
CREATE OR REPLACE FUNCTION pg_catalog.pgaadauth_create_principal(roleName text, isAdmin boolean, isMfa boolean)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  found text[];
  n int;
BEGIN
  PERFORM standin_require_postgres_database('pgaadauth_create_principal(text, boolean, boolean)');
  SELECT count(*), min(ARRAY[d.oid, d.type]) INTO n, found
  FROM standin_directory() d WHERE d.name = roleName;
  IF n = 0 THEN
    RAISE EXCEPTION 'Could not find Microsoft Entra principal "%" in the test directory', roleName
      USING ERRCODE = 'undefined_object',
            HINT = 'Add it with PgCluster.setDirectory(), or use pgaadauth_create_principal_with_oid.';
  ELSIF n > 1 THEN
    -- Azure's wording for the same situation.
    RAISE EXCEPTION 'Cannot validate Microsoft Entra ID user because its name isn''t unique'
      USING ERRCODE = 'unique_violation';
  END IF;
  RETURN pgaadauth_create_principal_with_oid(roleName, found[1], found[2], isAdmin, isMfa);
END
$$;

-- isMfa is always 0: the stand-in refuses isMfa => true (see above).
CREATE OR REPLACE FUNCTION pg_catalog.pgaadauth_list_principals(isAdminValue boolean)
RETURNS TABLE (rolename name, principalType text, objectId text, tenantId text, isMfa integer, isAdmin integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.rolname, p[2], p[1], nullif(current_setting('pgaadauth.tenant_id'), ''), 0,
         (p[3] IS NOT NULL)::integer
  FROM pg_shseclabel l
  JOIN pg_roles r ON r.oid = l.objoid
  CROSS JOIN LATERAL standin_parse_label(l.label) p
  WHERE l.classoid = 'pg_authid'::regclass AND l.provider = 'pgaadauth'
    AND (NOT isAdminValue OR p[3] IS NOT NULL)
  ORDER BY r.rolname
$$;

-- What Azure's periodic group sync does (Microsoft's "Use Microsoft Entra ID authentication"
-- article): for every role mapped to a group, each member (users and service principals) gets a
-- LOGIN role named after it (UPN / display name) and labelled with its own object id, and is
-- made a member of the group role so it gets the group's grants. Membership changes are synced
-- (members who left lose the group role); renames are not (an existing role with the member's
-- oid is reused whatever its name). Azure requires pgaadauth.enable_group_sync = ON for the
-- manual call; the docs do not say what happens otherwise, the stand-in raises an error so a
-- test cannot silently depend on a sync that did not run.
CREATE OR REPLACE FUNCTION pg_catalog.pgaadauth_sync_roles_for_group_members()
RETURNS TABLE (rolename name, groupname name, action text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  g record;
  m record;
  member_role name;
BEGIN
  IF NOT current_setting('pgaadauth.enable_group_sync')::boolean THEN
    RAISE EXCEPTION 'Microsoft Entra group sync is disabled'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Set the server parameter pgaadauth.enable_group_sync to ON.';
  END IF;

  FOR g IN
    SELECT r.rolname AS name, lower(p[1]) AS oid
    FROM pg_shseclabel l JOIN pg_roles r ON r.oid = l.objoid
    CROSS JOIN LATERAL standin_parse_label(l.label) p
    WHERE l.classoid = 'pg_authid'::regclass AND l.provider = 'pgaadauth' AND p[2] = 'group'
    ORDER BY r.rolname
  LOOP
    FOR m IN
      SELECT d.oid, d.name, d.type FROM standin_directory() d
      WHERE g.oid = ANY (d.member_of) AND d.type IN ('user', 'service')
      ORDER BY d.name
    LOOP
      SELECT r.rolname INTO member_role
      FROM pg_shseclabel l JOIN pg_roles r ON r.oid = l.objoid
      CROSS JOIN LATERAL standin_parse_label(l.label) p
      WHERE l.classoid = 'pg_authid'::regclass AND l.provider = 'pgaadauth' AND lower(p[1]) = m.oid;

      IF member_role IS NULL THEN
        IF EXISTS (SELECT FROM pg_roles r WHERE r.rolname = m.name) THEN
          -- Never take over a role that belongs to someone else.
          rolename := m.name; groupname := g.name; action := 'skipped: a role with this name is mapped to another principal or none';
          RETURN NEXT;
          CONTINUE;
        END IF;
        EXECUTE format('CREATE ROLE %I LOGIN', m.name);
        EXECUTE format('SECURITY LABEL FOR "pgaadauth" ON ROLE %I IS %L', m.name,
                       format('aadauth,oid=%s,type=%s', m.oid, m.type));
        member_role := m.name;
        rolename := member_role; groupname := g.name; action := 'created';
        RETURN NEXT;
      END IF;

      IF NOT standin_is_member(member_role, g.name) THEN
        EXECUTE format('GRANT %I TO %I', g.name, member_role);
        rolename := member_role; groupname := g.name; action := 'granted';
        RETURN NEXT;
      END IF;
    END LOOP;

    -- Entra-mapped roles that are direct members of the group role but no longer in the group.
    FOR m IN
      SELECT r.rolname AS name
      FROM standin_memberships() am
      JOIN pg_roles r ON r.oid = am.member
      JOIN pg_shseclabel l ON l.objoid = r.oid AND l.classoid = 'pg_authid'::regclass AND l.provider = 'pgaadauth'
      CROSS JOIN LATERAL standin_parse_label(l.label) p
      WHERE am.roleid = (SELECT oid FROM pg_roles WHERE pg_roles.rolname = g.name)
        AND p[2] IN ('user', 'service')
        AND NOT EXISTS (SELECT FROM standin_directory() d WHERE d.oid = lower(p[1]) AND g.oid = ANY (d.member_of))
    LOOP
      EXECUTE format('REVOKE %I FROM %I', g.name, m.name);
      rolename := m.name; groupname := g.name; action := 'revoked';
      RETURN NEXT;
    END LOOP;
  END LOOP;
END
$$;

-- Test-only: what Azure does when ARM creates flexibleServers/administrators/{objectId}.
-- principalType takes the ARM values User | Group | ServicePrincipal (managed identities are
-- ServicePrincipal). Idempotent like an ARM PUT.
CREATE OR REPLACE FUNCTION pg_catalog.standin_declare_administrator(principalName text, objectId text, principalType text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  label_type text := CASE lower(principalType)
                       WHEN 'user' THEN 'user' WHEN 'group' THEN 'group' WHEN 'serviceprincipal' THEN 'service' END;
BEGIN
  IF label_type IS NULL THEN
    RAISE EXCEPTION 'principalType must be User, Group or ServicePrincipal, not %', coalesce(quote_literal(principalType), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- ARM refuses to make an administrator of a principal that already has a (non-admin) role
  -- mapped to it: "Updating an existing principal isn't supported" (not in Microsoft's articles;
  -- the error text as reported in a public Azure/ARO-HCP change, 2026). Principals are matched by
  -- object id, as Azure matches tokens to roles.
  IF EXISTS (
    SELECT FROM pg_shseclabel l CROSS JOIN LATERAL standin_parse_label(l.label) p
    WHERE l.classoid = 'pg_authid'::regclass AND l.provider = 'pgaadauth'
      AND lower(p[1]) = lower(objectId) AND p[3] IS NULL)
  THEN
    RAISE EXCEPTION 'Updating an existing principal isn''t supported'
      USING ERRCODE = 'feature_not_supported',
            DETAIL = format('Object id %s is already mapped to a non-admin role.', objectId);
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = principalName) THEN
    EXECUTE format('ALTER ROLE %I LOGIN CREATEROLE CREATEDB', principalName);
  ELSE
    EXECUTE format('CREATE ROLE %I LOGIN CREATEROLE CREATEDB', principalName);
  END IF;
  -- A plain membership, no ADMIN OPTION: Azure refuses its administrators any change to the restricted
  -- azure_pg_admin (see the C module), so none of them could pass it on anyway.
  IF NOT pg_has_role(principalName, 'azure_pg_admin', 'MEMBER') THEN
    EXECUTE format('GRANT azure_pg_admin TO %I', principalName);
  END IF;
  EXECUTE format('SECURITY LABEL FOR "pgaadauth" ON ROLE %I IS %L', principalName,
                 format('aadauth,oid=%s,type=%s,admin', objectId, label_type));
END
$$;

-- Test-only: deleting the ARM administrator resource drops its role.
CREATE OR REPLACE FUNCTION pg_catalog.standin_remove_administrator(principalName text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT standin_is_labelled_admin(principalName) THEN
    RAISE EXCEPTION 'role "%" is not a Microsoft Entra administrator', principalName
      USING ERRCODE = 'undefined_object';
  END IF;
  EXECUTE format('DROP ROLE %I', principalName);
END
$$;

-- Only the harness (acting as Azure's control plane) declares administrators.
REVOKE EXECUTE ON FUNCTION pg_catalog.standin_declare_administrator(text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pg_catalog.standin_remove_administrator(text) FROM PUBLIC;
