/*
 * A "libxml2.so.2" without libxml2's functions, put first on
 * LD_LIBRARY_PATH by unit.xmlrpc.xr_libxml_missing: the agent must
 * answer plain calls and refuse the others with a reason, not crash,
 * when the library it loads at first use is not the one it needs.
 */
int fv_fake_libxml2(void);

int
fv_fake_libxml2(void)
{
	return 0;
}
