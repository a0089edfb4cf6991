/* replay-main.c -- run a libFuzzer target over files without libFuzzer.
 *
 * Usage: fuzz-NAME-replay FILE|DIR...   Every regular file (directories are walked one
 * level deep) is passed to LLVMFuzzerTestOneInput once. With clang, the same fuzz-*.c
 * files link against -fsanitize=fuzzer instead (make fuzz). */
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

static int
run_file(const char *path)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		g_printerr("replay: %s\n", error->message);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = 0, n = 0;

	for (int i = 1; i < argc; i++) {
		if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
			g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
			const char *name;
			while (dir && (name = g_dir_read_name(dir)))
				g_ptr_array_add(names, g_build_filename(argv[i], name, NULL));
			for (guint j = 0; j < names->len; j++) {
				if (g_file_test(names->pdata[j], G_FILE_TEST_IS_REGULAR)) {
					rc |= run_file(names->pdata[j]);
					n++;
				}
			}
		} else {
			rc |= run_file(argv[i]);
			n++;
		}
	}
	g_print("replayed %d inputs\n", n);
	return rc;
}
