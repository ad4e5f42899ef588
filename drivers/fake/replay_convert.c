/* ffmpeg conversions for the replay camera (see replay_convert.h). */
#include "fake/replay_convert.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/log.h"

MT_LOG_MODULE("replay");

extern char **environ;

#define FFMPEG "ffmpeg"

void mt_replay_convert_init(struct mt_replay_convert *c)
{
	c->dir[0] = '\0';
}

static int make_dir(struct mt_replay_convert *c)
{
	const char *tmp = getenv("TMPDIR");
	int ret = 0;

	if (c->dir[0])
		return 0;
	if (!tmp || !tmp[0])
		tmp = "/tmp";
	if (snprintf(c->dir, sizeof(c->dir), "%s/mt-replay-XXXXXX", tmp) >= (int)sizeof(c->dir))
		ret = -ENAMETOOLONG;
	else if (!mkdtemp(c->dir))
		ret = -errno;
	if (ret) {
		MT_ERR("cannot make a temp folder for converted footage in %s: %s", tmp,
		       mt_strerror(ret));
		c->dir[0] = '\0';
	}
	return ret;
}

static int sub_path(const struct mt_replay_convert *c, const char *name, char out[PATH_MAX])
{
	return snprintf(out, PATH_MAX, "%s/%s", c->dir, name) < PATH_MAX ? 0 : -ENAMETOOLONG;
}

/* The last non-empty line ffmpeg wrote to its log, for the error message. */
static void last_line(const char *log, char *line, size_t size)
{
	char buf[512];
	FILE *fp = fopen(log, "r");

	snprintf(line, size, "no message");
	if (!fp)
		return;
	while (fgets(buf, sizeof(buf), fp)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0]) {
			size_t n = strnlen(buf, size - 1);

			memcpy(line, buf, n);
			line[n] = '\0';
		}
	}
	fclose(fp);
}

/* Spawns ffmpeg with argv (argv[0] is "ffmpeg"): stdin and stdout
 * /dev/null, stderr to a log in the temp folder. 0 when it exits 0. */
static int run(struct mt_replay_convert *c, const char *what, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	char log[PATH_MAX], line[200];
	pid_t pid;
	int ret, status;

	ret = sub_path(c, "ffmpeg.log", log);
	if (ret)
		return ret;
	ret = posix_spawn_file_actions_init(&fa);
	if (ret)
		return -ret;
	ret = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!ret)
		ret = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!ret)
		ret = posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC,
						       0600);
	if (!ret)
		ret = posix_spawnp(&pid, FFMPEG, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		MT_ERR("%s: cannot run " FFMPEG " to convert it: %s", what, strerror(ret));
		return MT_EFORMAT;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			MT_ERR("%s: waiting for " FFMPEG ": %s", what, mt_strerror(ret));
			return ret;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	last_line(log, line, sizeof(line));
	if (WIFEXITED(status))
		MT_ERR("%s: " FFMPEG " could not convert it (exit %d): %s", what,
		       WEXITSTATUS(status), line);
	else
		MT_ERR("%s: " FFMPEG " was killed by signal %d", what, WTERMSIG(status));
	return MT_EFORMAT;
}

/* "file:" keeps ffmpeg from reading a name as an option or a protocol. */
static int file_url(const char *path, char out[PATH_MAX + 8])
{
	return snprintf(out, PATH_MAX + 8, "file:%s", path) < PATH_MAX + 8 ? 0 : -ENAMETOOLONG;
}

int mt_replay_convert_video(struct mt_replay_convert *c, const char *src, char out[PATH_MAX])
{
	char in_url[PATH_MAX + 8], out_url[PATH_MAX + 8];
	int ret = make_dir(c);

	if (!ret)
		ret = sub_path(c, "converted.avi", out);
	if (!ret)
		ret = file_url(src, in_url);
	if (!ret)
		ret = file_url(out, out_url);
	if (ret)
		return ret;
	MT_INF("%s: converting to MJPEG with " FFMPEG, src);
	{
		char *const argv[] = { FFMPEG,  "-nostdin", "-hide_banner", "-loglevel", "error",
				       "-i",    in_url,     "-map",         "0:v:0",     "-an",
				       "-sn",   "-dn",      "-c:v",         "mjpeg",     "-q:v",
				       "2",     "-pix_fmt", "yuvj420p",     "-f",        "avi",
				       out_url, NULL };

		return run(c, src, argv);
	}
}

void mt_replay_convert_image_path(const struct mt_replay_convert *c, size_t k, char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s/jpg/%08zu.jpg", c->dir, k);
}

/* Numbered links to the images, so ffmpeg's image2 reader takes them in our
 * order whatever their names are. */
static int link_images(struct mt_replay_convert *c, char *const *paths, size_t n)
{
	char link[PATH_MAX];
	int ret = sub_path(c, "img", link);

	if (ret)
		return ret;
	if (mkdir(link, 0700))
		return -errno;
	ret = sub_path(c, "jpg", link);
	if (ret)
		return ret;
	if (mkdir(link, 0700))
		return -errno;
	for (size_t k = 0; k < n; k++) {
		char *target = realpath(paths[k], NULL);

		if (!target)
			return -errno;
		snprintf(link, sizeof(link), "%s/img/%08zu", c->dir, k);
		ret = symlink(target, link) ? -errno : 0;
		free(target);
		if (ret)
			return ret;
	}
	return 0;
}

int mt_replay_convert_images(struct mt_replay_convert *c, const char *what, char *const *paths,
			     size_t n)
{
	char in_url[PATH_MAX + 8], out_url[PATH_MAX + 8];
	int ret = make_dir(c);

	if (!ret)
		ret = link_images(c, paths, n);
	if (ret)
		return ret;
	snprintf(in_url, sizeof(in_url), "file:%s/img/%%08d", c->dir);
	snprintf(out_url, sizeof(out_url), "file:%s/jpg/%%08d.jpg", c->dir);
	MT_INF("%s: converting %zu images to JPEG with " FFMPEG, what, n);
	{
		/* Input at 1 fps from number 0 and passthrough timing: output
		 * frame k is named by its pts, k, so a frame ffmpeg skipped
		 * leaves its number unused instead of shifting the rest. */
		char *const argv[] = {
			FFMPEG,     "-nostdin", "-hide_banner", "-loglevel",  "error",
			"-f",       "image2",   "-framerate",   "1",          "-start_number",
			"0",        "-i",       in_url,         "-fps_mode",  "passthrough",
			"-c:v",     "mjpeg",    "-q:v",         "2",          "-pix_fmt",
			"yuvj420p", "-f",       "image2",       "-frame_pts", "1",
			out_url,    NULL
		};

		return run(c, what, argv);
	}
}

static void remove_tree(const char *path)
{
	struct stat st;
	DIR *d;

	if (lstat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	if (d) {
		const struct dirent *de;

		while ((de = readdir(d))) {
			char sub[PATH_MAX];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < PATH_MAX)
				remove_tree(sub);
		}
		closedir(d);
	}
	if (rmdir(path))
		MT_WRN("%s: not removed: %s", path, strerror(errno));
}

void mt_replay_convert_free(struct mt_replay_convert *c)
{
	if (!c || !c->dir[0])
		return;
	remove_tree(c->dir);
	c->dir[0] = '\0';
}
