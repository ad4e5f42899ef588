/* Sealing a finished fragmented MP4 clip that is already on flash: walks
 * its top-level boxes (init segment, then moof + mdat fragments), takes
 * each fragment's frames and media times from its moof, and runs the same
 * sealer the live recorder uses (seal.h): checkpoints, manifest, signature.
 * For clips written without a live sealer, and for tests and tools. */
#ifndef MT_EVIDENCE_EVIDENCE_H
#define MT_EVIDENCE_EVIDENCE_H

#include <stdint.h>

#include "evidence/seal.h"

#define MT_EVIDENCE_BOX_MAX (4 * 1024 * 1024) /* biggest moov or moof read whole */

/* Seals the clip at clip_path on cfg->st as cfg says (cfg->clip_file and
 * cfg->base name the outputs). info->codec and the rest come from the
 * caller; frame count and fragment times come from the file. 0, MT_EFORMAT
 * if the file is not a complete fragmented MP4 (a box cut short, no moov,
 * no fragment), or a storage or signer error. manifest_sha256 as in
 * mt_seal_finish(). */
int mt_evidence_seal_clip(const char *clip_path, const struct mt_seal_config *cfg,
			  const struct mt_manifest_info *info,
			  uint8_t manifest_sha256[MT_SHA256_LEN]);

/* mt_evidence_seal_clip() for a clip cut short whose checkpoint file
 * already holds `records` records, the last at media time last_us: they
 * are kept and continued (mt_seal_resume()). */
int mt_evidence_seal_resume(const char *clip_path, const struct mt_seal_config *cfg,
			    uint32_t records, int64_t last_us, const struct mt_manifest_info *info,
			    uint8_t manifest_sha256[MT_SHA256_LEN]);

#endif
