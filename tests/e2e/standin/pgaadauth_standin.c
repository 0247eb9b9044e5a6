/*
 * Test-only stand-in for Azure's pgaadauth extension (Azure Database for PostgreSQL flexible
 * server). Azure stores the Microsoft Entra mapping of a role as a security label from the
 * "pgaadauth" provider; stock PostgreSQL has no such provider, so SECURITY LABEL FOR "pgaadauth"
 * fails there. This module registers the provider with the same label grammar Azure documents,
 * so the statements our Pulumi components issue (and the pg_seclabels rows they leave) can be
 * exercised on a local PostgreSQL 15. Token logins are emulated outside the server (PAM), see
 * token-checker.sh.
 *
 * Load with shared_preload_libraries: security label providers must exist before any backend
 * parses SECURITY LABEL, and the GUCs below must be known when postgresql.conf is read.
 */
#include "postgres.h"

#include <ctype.h>

#include "access/transam.h"
#include "catalog/pg_authid.h"
#include "commands/seclabel.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/syscache.h"

PG_MODULE_MAGIC;

void _PG_init(void);

/* Azure's server parameter; read by pgaadauth_sync_roles_for_group_members() in standin.sql. */
static bool enable_group_sync = false;
/* The tenant pgaadauth_list_principals() reports and token-checker.sh requires in tokens. */
static char *tenant_id = NULL;
/* Optional emulation of Azure's azure_pg_admin extension, see standin_utility(). */
static bool azure_admin_extension = false;
/*
 * Azure's allow-list of extensions (server parameter azure.extensions, comma-separated names),
 * which the harness sets as Azure's control plane would. Empty, as on a new Azure server.
 */
static char *allowed_extensions = NULL;

static ProcessUtility_hook_type prev_utility_hook = NULL;

/*
 * The user a statement run with elevated rights (azure_admin_extension) was issued by, so the
 * Entra-administrator check of SECURITY LABEL still judges the real caller, not azuresu.
 */
static Oid	elevated_from = InvalidOid;

/*
 * Azure's documented form: aadauth,oid=<uuid>,type=<user|group|service>[,admin].
 * Object ids are compared case-insensitively elsewhere, so upper-case hex is tolerated; the
 * keywords are matched exactly, as Azure documents them in lower case.
 */
static bool
parse_label(const char *label, bool *is_admin)
{
	static const char *const types[] = {"user", "group", "service"};
	const char *p = label;
	bool		type_ok = false;

	if (strncmp(p, "aadauth,oid=", 12) != 0)
		return false;
	p += 12;
	for (int i = 0; i < 36; i++)
	{
		bool		dash = (i == 8 || i == 13 || i == 18 || i == 23);

		/* stops at the terminator, which is neither a dash nor a hex digit */
		if (dash ? p[i] != '-' : !isxdigit((unsigned char) p[i]))
			return false;
	}
	p += 36;
	if (strncmp(p, ",type=", 6) != 0)
		return false;
	p += 6;
	for (int i = 0; i < lengthof(types); i++)
	{
		size_t		len = strlen(types[i]);

		if (strncmp(p, types[i], len) == 0 && (p[len] == '\0' || p[len] == ','))
		{
			p += len;
			type_ok = true;
			break;
		}
	}
	if (!type_ok)
		return false;
	*is_admin = strcmp(p, ",admin") == 0;
	return *is_admin || *p == '\0';
}

/*
 * Azure lets only Entra administrators (label with ",admin") manage Entra roles; plain
 * CREATEROLE, which PostgreSQL itself requires for SECURITY LABEL ON ROLE, is not enough.
 * Superusers pass so the harness (and SECURITY DEFINER functions owned by azuresu) can act
 * the way Azure's control plane does.
 */
static bool
current_user_is_entra_admin(void)
{
	Oid			user = OidIsValid(elevated_from) ? elevated_from : GetUserId();
	ObjectAddress me;
	char	   *label;
	bool		is_admin = false;

	if (superuser_arg(user))
		return true;
	ObjectAddressSet(me, AuthIdRelationId, user);
	label = GetSecurityLabel(&me, "pgaadauth");
	return label != NULL && parse_label(label, &is_admin) && is_admin;
}

static void
pgaadauth_check_label(const ObjectAddress *object, const char *seclabel)
{
	bool		is_admin;

	if (object->classId != AuthIdRelationId)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pgaadauth security labels can only be set on roles")));

	if (!current_user_is_entra_admin())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to manage Microsoft Entra roles"),
				 errhint("Run as a Microsoft Entra administrator (a role labelled 'aadauth,...,admin').")));

	/* NULL removes the label (SECURITY LABEL ... IS NULL), which Azure allows */
	if (seclabel == NULL)
		return;

	if (!parse_label(seclabel, &is_admin))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid pgaadauth security label: \"%s\"", seclabel),
				 errdetail("Expected 'aadauth,oid=<object id>,type=<user|group|service>' with an optional ',admin' suffix, where the object id is a UUID like 00000000-0000-0000-0000-000000000000.")));
}

/* ---------------------------------------------------------------------------------------------
 * Azure's restricted roles.
 *
 * Microsoft's "Access management" article (learn.microsoft.com/azure/postgresql/security/
 * security-access-control; MicrosoftDocs/azure-databases-docs,
 * articles/postgresql/security/security-access-control.md), section "PostgreSQL 16 changes with
 * role based security": "the azure_pg_admin role is a system-managed, restricted role and cannot
 * be modified by users. Attempts to alter it, such as granting another role to it, will result
 * in an error like: ERROR: permission denied to alter restricted role "azure_pg_admin"".
 * The article names azure_pg_admin and azuresu as Azure's built-in roles; the stand-in also
 * protects the other names Azure reserves for itself (azure_superuser, replication, localadmin
 * where present; none of these exist in the harness, the check is by name). The docs do not
 * list every statement that counts as "altering"; the
 * stand-in refuses, for non-superusers, every statement that changes one of these roles, its
 * memberships in either direction, or what it owns, because the stricter emulation is the safer
 * one for tests (code that passes here does not rely on something Azure may refuse):
 *   GRANT/REVOKE <role> TO/FROM <restricted>, GRANT/REVOKE <restricted> TO/FROM <role>,
 *   CREATE ROLE ... IN ROLE / ROLE / ADMIN <restricted>, ALTER ROLE/USER/GROUP <restricted>
 *   (and ALTER GROUP <role> ADD/DROP USER <restricted>), ALTER ROLE <restricted> SET/RESET,
 *   ALTER ROLE <restricted> RENAME, DROP ROLE <restricted>, SECURITY LABEL / COMMENT ON ROLE
 *   <restricted>, DROP OWNED BY / REASSIGN OWNED BY <restricted>; and CREATE ROLE <restricted
 *   name> / ALTER ROLE ... RENAME TO <restricted name> (see check_new_name).
 * Not refused: object privileges granted to a restricted role (GRANT SELECT ... TO
 * azure_pg_admin), REASSIGN OWNED ... TO azure_pg_admin, SET ROLE azure_pg_admin.
 * Superusers (the harness's azuresu, acting as Azure's control plane) are never restricted.
 *
 * Same article, section "Improved control for azure_pg_admin", IMPORTANT note: "Azure Database
 * for PostgreSQL doesn't allow users to be granted pg_write_all_data". The article gives no
 * error text; the stand-in's is modelled on PostgreSQL's own "permission denied to grant role".
 * ------------------------------------------------------------------------------------------- */
static const char *const restricted_roles[] = {
	"azure_pg_admin", "azuresu", "azure_superuser", "replication", "localadmin",
};

static bool
is_restricted_name(const char *name)
{
	for (int i = 0; i < lengthof(restricted_roles); i++)
		if (strcmp(name, restricted_roles[i]) == 0)
			return true;
	return false;
}

/* Name a RoleSpec stands for; NULL for PUBLIC (not a role). */
static const char *
rolespec_name(const RoleSpec *spec)
{
	switch (spec->roletype)
	{
		case ROLESPEC_CSTRING:
			return spec->rolename;
		case ROLESPEC_PUBLIC:
			return NULL;
		default:
			return GetUserNameFromId(get_rolespec_oid(spec, false), false);
	}
}

static void
refuse_restricted(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to alter restricted role \"%s\"", name)));
}

static void
check_name(const char *name)
{
	if (name != NULL && is_restricted_name(name))
		refuse_restricted(name);
}

/*
 * A new role (CREATE ROLE, ALTER ROLE ... RENAME TO) must not take a restricted name, e.g.
 * localadmin on a server that has none. Not covered by Microsoft's docs, which give no text
 * for it; refused as the stricter emulation.
 */
static void
check_new_name(const char *name)
{
	if (name != NULL && is_restricted_name(name))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to create restricted role \"%s\"", name),
				 errdetail("pgaadauth stand-in: Azure reserves this role name for itself.")));
}

static void
check_rolespec(const RoleSpec *spec)
{
	if (spec != NULL)
		check_name(rolespec_name(spec));
}

static void
check_rolespecs(const List *specs)
{
	ListCell   *lc;

	foreach(lc, specs)
		check_rolespec(lfirst_node(RoleSpec, lc));
}

static void
refuse_write_all_data(const char *name)
{
	if (name != NULL && strcmp(name, "pg_write_all_data") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to grant role \"%s\"", name),
				 errdetail("Azure Database for PostgreSQL does not allow granting pg_write_all_data.")));
}

/* The role (String node) of SECURITY LABEL / COMMENT ON ROLE. */
static const char *
object_role_name(Node *object)
{
	return object != NULL && IsA(object, String) ? strVal(object) : NULL;
}

/*
 * Raises the error Azure raises if `parsetree` is refused for a non-superuser. Returns the
 * roles the statement manages (for the azure_admin_extension), or NIL with *elevate = false
 * when the statement is not role management the extension covers.
 */
static List *
check_restrictions(Node *parsetree, bool *elevate)
{
	List	   *targets = NIL;
	ListCell   *lc;

	*elevate = false;
	switch (nodeTag(parsetree))
	{
		case T_GrantRoleStmt:
			{
				GrantRoleStmt *stmt = (GrantRoleStmt *) parsetree;

				foreach(lc, stmt->granted_roles)
				{
					AccessPriv *priv = lfirst_node(AccessPriv, lc);

					check_name(priv->priv_name);
					if (stmt->is_grant)
						refuse_write_all_data(priv->priv_name);
					targets = lappend(targets, priv->priv_name);
				}
				check_rolespecs(stmt->grantee_roles);
				foreach(lc, stmt->grantee_roles)
					targets = lappend(targets, (char *) rolespec_name(lfirst_node(RoleSpec, lc)));
				/* GRANTED BY someone else: never run that with elevated rights */
				*elevate = stmt->grantor == NULL;
				break;
			}
		case T_CreateRoleStmt:
			{
				CreateRoleStmt *stmt = (CreateRoleStmt *) parsetree;

				check_new_name(stmt->role);
				foreach(lc, stmt->options)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "addroleto") == 0)
					{
						ListCell   *r;

						check_rolespecs((List *) opt->arg);
						foreach(r, (List *) opt->arg)
							refuse_write_all_data(rolespec_name(lfirst_node(RoleSpec, r)));
					}
					else if (strcmp(opt->defname, "rolemembers") == 0 ||
							 strcmp(opt->defname, "adminmembers") == 0)
						check_rolespecs((List *) opt->arg);
				}
				break;
			}
		case T_AlterRoleStmt:
			{
				AlterRoleStmt *stmt = (AlterRoleStmt *) parsetree;

				check_rolespec(stmt->role);
				targets = lappend(targets, (char *) rolespec_name(stmt->role));
				*elevate = true;
				foreach(lc, stmt->options)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "rolemembers") == 0)
					{
						ListCell   *r;

						check_rolespecs((List *) opt->arg);
						foreach(r, (List *) opt->arg)
							targets = lappend(targets, (char *) rolespec_name(lfirst_node(RoleSpec, r)));
					}
					/* attributes PostgreSQL reserves to superusers or holders: its own rules */
					else if (strcmp(opt->defname, "superuser") == 0 ||
							 strcmp(opt->defname, "isreplication") == 0 ||
							 strcmp(opt->defname, "bypassrls") == 0)
						*elevate = false;
				}
				break;
			}
		case T_AlterRoleSetStmt:
			/* not elevated: superuser rights would allow superuser-only settings */
			check_rolespec(((AlterRoleSetStmt *) parsetree)->role);
			break;
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;

				if (stmt->renameType == OBJECT_ROLE)
				{
					check_name(stmt->subname);
					check_new_name(stmt->newname);
					targets = lappend(targets, stmt->subname);
					*elevate = true;
				}
				break;
			}
		case T_DropRoleStmt:
			{
				DropRoleStmt *stmt = (DropRoleStmt *) parsetree;

				check_rolespecs(stmt->roles);
				foreach(lc, stmt->roles)
					targets = lappend(targets, (char *) rolespec_name(lfirst_node(RoleSpec, lc)));
				*elevate = true;
				break;
			}
		case T_SecLabelStmt:
			{
				SecLabelStmt *stmt = (SecLabelStmt *) parsetree;

				if (stmt->objtype == OBJECT_ROLE)
				{
					check_name(object_role_name(stmt->object));
					targets = lappend(targets, (char *) object_role_name(stmt->object));
					*elevate = true;
				}
				break;
			}
		case T_CommentStmt:
			{
				CommentStmt *stmt = (CommentStmt *) parsetree;

				if (stmt->objtype == OBJECT_ROLE)
				{
					check_name(object_role_name(stmt->object));
					targets = lappend(targets, (char *) object_role_name(stmt->object));
					*elevate = true;
				}
				break;
			}
		case T_DropOwnedStmt:
			check_rolespecs(((DropOwnedStmt *) parsetree)->roles);
			break;
		case T_ReassignOwnedStmt:
			check_rolespecs(((ReassignOwnedStmt *) parsetree)->roles);
			break;
		default:
			break;
	}
	return targets;
}

/*
 * pgaadauth_standin.azure_admin_extension = on emulates the addition Microsoft documents in the
 * same "Access management" article, section "Improved control for azure_pg_admin": "members of
 * the azure_pg_admin role can manage roles and access objects owned by any nonrestricted role,
 * even if those roles are also members of azure_pg_admin" (on every major version).
 *
 * Emulated: when the current user is a non-superuser member of azure_pg_admin, these
 * role-management statements run with the bootstrap superuser's rights, so PostgreSQL 16+'s
 * ADMIN OPTION requirement does not apply: GRANT/REVOKE role membership (without GRANTED BY),
 * ALTER ROLE (not SUPERUSER/REPLICATION/BYPASSRLS, which keep PostgreSQL's rules), ALTER ROLE
 * RENAME, DROP ROLE, SECURITY LABEL ON ROLE (still only for Entra administrators) and COMMENT ON
 * ROLE - provided every role the statement names is nonrestricted: not one of Azure's
 * restricted roles, not a superuser, not a predefined pg_* role (so the extension never hands out
 * pg_execute_server_program and the like).
 * Not emulated: access to objects owned by other roles (SELECT on another role's table still
 * needs a grant); ALTER ROLE ... SET (superuser rights would allow superuser-only parameters);
 * the grantor Azure records (undocumented): grants made this way are recorded as granted by
 * azuresu, and on PostgreSQL 16+ a REVOKE made this way only removes grants recorded that way
 * (PostgreSQL warns about others and leaves them).
 */
static bool
may_elevate(List *targets)
{
	Oid			admin_group;
	ListCell   *lc;

	if (!azure_admin_extension || targets == NIL)
		return false;
	admin_group = get_role_oid("azure_pg_admin", true);
	if (!OidIsValid(admin_group) || !is_member_of_role(GetUserId(), admin_group))
		return false;
	foreach(lc, targets)
	{
		const char *name = lfirst(lc);
		Oid			role;

		if (name == NULL || is_restricted_name(name))
			return false;
		role = get_role_oid(name, true);
		/* a missing role: let PostgreSQL report it as it would */
		if (!OidIsValid(role) || role < FirstNormalObjectId || superuser_arg(role))
			return false;
	}
	return true;
}

/*
 * Azure refuses CREATE EXTENSION (and DROP, ALTER, COMMENT ON EXTENSION) for an extension that is
 * not in azure.extensions, with this text (Microsoft's "Possible errors when managing extensions":
 * Extension "%s" is not allow-listed for "azure_pg_admin" users in Azure Database for PostgreSQL).
 * Names compare without regard to case: the portal lists them in upper case.
 */
static bool
extension_allowed(const char *name)
{
	const char *p = allowed_extensions != NULL ? allowed_extensions : "";
	size_t		len = strlen(name);

	while (*p != '\0')
	{
		const char *start;
		const char *end;

		while (*p == ',' || isspace((unsigned char) *p))
			p++;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (end > start && isspace((unsigned char) end[-1]))
			end--;
		if ((size_t) (end - start) == len && pg_strncasecmp(start, name, len) == 0)
			return true;
	}
	return false;
}

static void
check_extension(const char *name)
{
	if (name != NULL && !extension_allowed(name))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("extension \"%s\" is not allow-listed for \"azure_pg_admin\" users in Azure Database for PostgreSQL", name),
				 errhint("Add it to the server parameter azure.extensions.")));
}

/* The extension statements Azure judges against its allow-list. */
static void
check_extension_statement(Node *parsetree)
{
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_CreateExtensionStmt:
			check_extension(((CreateExtensionStmt *) parsetree)->extname);
			break;
		case T_AlterExtensionStmt:
			check_extension(((AlterExtensionStmt *) parsetree)->extname);
			break;
		case T_DropStmt:
			if (((DropStmt *) parsetree)->removeType == OBJECT_EXTENSION)
				foreach(lc, ((DropStmt *) parsetree)->objects)
					check_extension(strVal(lfirst(lc)));
			break;
		case T_CommentStmt:
			if (((CommentStmt *) parsetree)->objtype == OBJECT_EXTENSION)
				check_extension(strVal(((CommentStmt *) parsetree)->object));
			break;
		default:
			break;
	}
}

static void
call_next_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				  ProcessUtilityContext context, ParamListInfo params,
				  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (prev_utility_hook)
		prev_utility_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

static void
standin_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				ProcessUtilityContext context, ParamListInfo params,
				QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Oid			save_userid;
	int			save_sec_context;
	Oid			save_elevated_from = elevated_from;
	bool		elevate;
	List	   *targets;

	if (superuser())
	{
		call_next_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		return;
	}

	check_extension_statement(pstmt->utilityStmt);
	targets = check_restrictions(pstmt->utilityStmt, &elevate);
	if (!elevate || !may_elevate(targets))
	{
		call_next_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		return;
	}

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	elevated_from = save_userid;
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		call_next_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
		elevated_from = save_elevated_from;
	}
	PG_END_TRY();
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errmsg("pgaadauth_standin must be loaded via shared_preload_libraries")));

	DefineCustomBoolVariable("pgaadauth.enable_group_sync",
							 "Create a role for each member of Entra groups mapped to roles (stand-in).",
							 NULL,
							 &enable_group_sync,
							 false,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("pgaadauth.tenant_id",
							   "Microsoft Entra tenant this server trusts (stand-in).",
							   NULL,
							   &tenant_id,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);
	MarkGUCPrefixReserved("pgaadauth");
	DefineCustomBoolVariable("pgaadauth_standin.azure_admin_extension",
							 "Emulate Azure's extension of azure_pg_admin: members manage nonrestricted roles without ADMIN OPTION (stand-in only).",
							 NULL,
							 &azure_admin_extension,
							 false,
							 PGC_POSTMASTER,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("pgaadauth_standin");
	DefineCustomStringVariable("azure.extensions",
							   "Extensions non-superusers may create, comma-separated (stand-in for Azure's allow-list).",
							   NULL,
							   &allowed_extensions,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = standin_utility;

	register_label_provider("pgaadauth", pgaadauth_check_label);
}
