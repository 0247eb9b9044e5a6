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

#include "catalog/pg_authid.h"
#include "commands/seclabel.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void _PG_init(void);

/* Azure's server parameter; read by pgaadauth_sync_roles_for_group_members() in standin.sql. */
static bool enable_group_sync = false;
/* The tenant pgaadauth_list_principals() reports and token-checker.sh requires in tokens. */
static char *tenant_id = NULL;

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
	ObjectAddress me;
	char	   *label;
	bool		is_admin = false;

	if (superuser())
		return true;
	ObjectAddressSet(me, AuthIdRelationId, GetUserId());
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

	register_label_provider("pgaadauth", pgaadauth_check_label);
}
