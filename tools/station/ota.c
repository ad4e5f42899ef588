/* mt-station: OTA file serving; see ota.h. Only DIR/ota/<board>/<file>
 * with plain names (no "..", no hidden files) is served. */
#include "ota.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "util.h"

static enum MHD_Result send_file(struct mt_req *r, int fd, uint64_t first, uint64_t len,
				 unsigned status, const char *range)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_fd_at_offset64(len, fd, first);
	if (!resp) {
		close(fd);
		return mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot send the file");
	}
	MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	if (range)
		MHD_add_response_header(resp, "Content-Range", range);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp); /* closes fd when the response is gone */
	r->done = 1;
	return ret;
}

enum MHD_Result mt_ota_get(struct mt_req *r)
{
	char board[160], file[160], path[MT_PATH_MAX], range[96];
	const char *rest = r->url + 5, *slash = strchr(rest, '/');
	uint64_t first = 0, last = 0, size;
	struct stat sb;
	int fd;

	if (!slash || (size_t)(slash - rest) >= sizeof(board) || strlen(slash + 1) >= sizeof(file))
		return mt_srv_reject(r, MHD_HTTP_NOT_FOUND, "no such OTA file");
	snprintf(board, sizeof(board), "%.*s", (int)(slash - rest), rest);
	snprintf(file, sizeof(file), "%s", slash + 1);
	if (!mt_parse_safe_name(board) || !mt_parse_safe_name(file))
		return mt_srv_reject(r, MHD_HTTP_NOT_FOUND, "no such OTA file");
	snprintf(path, sizeof(path), "%s/ota/%s/%s", r->st->data, board, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return mt_srv_reject(r, MHD_HTTP_NOT_FOUND, "no such OTA file %s/%s", board, file);
	}
	size = (uint64_t)sb.st_size;
	switch (mt_parse_range(mt_srv_header(r, "Range"), size, &first, &last)) {
	case MT_RANGE_PARTIAL:
		snprintf(range, sizeof(range), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first,
			 last, size);
		return send_file(r, fd, first, last - first + 1, MHD_HTTP_PARTIAL_CONTENT, range);
	case MT_RANGE_UNSATISFIABLE:
		close(fd);
		snprintf(range, sizeof(range), "bytes */%" PRIu64, size);
		mt_util_log("416 %s %s from %s (%s): range %s past the end (%" PRIu64 " bytes)",
			    r->method, r->url, r->ip, r->device, mt_srv_header(r, "Range"), size);
		return mt_srv_reply(r, MHD_HTTP_RANGE_NOT_SATISFIABLE,
				    "{\"error\":\"range past the end of the file\"}",
				    "Content-Range", range, MT_HDR_END);
	default:
		return send_file(r, fd, 0, size, MHD_HTTP_OK, NULL);
	}
}
