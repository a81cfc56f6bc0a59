import type { Router } from 'express';
import { z } from 'zod';
import { CampaignReportQuery } from '@chunfeng/shared/campaignReport';
import type { Tokens } from '../auth/tokens';
import type { CampaignReports } from '../services/campaignReport';
import { requireBureau } from './auth';
import { parse } from './httpErrors';
import { writeReportWorkbook } from './reportWorkbook';

const CampaignParams = z.strictObject({ id: z.string().min(1).max(64) });

/** A file name's characters that are safe in a quoted Content-Disposition filename (the UTF-8 one carries the rest). */
const asciiName = (id: string): string => id.replace(/[^\w.-]/g, '_');

/**
 * The campaign summary, for the bureau only: as JSON (the console's printable page) and as an XLSX
 * workbook. The report is built before the first byte, so a refusal or an unknown campaign is still a
 * typed error answer; a failure while the workbook streams cuts the connection (an Excel file that
 * ends short must not look complete).
 */
export function addCampaignReportRoutes(routes: Router, { tokens, reports, timeZone }: { tokens: Tokens; reports: CampaignReports; timeZone: string }): void {
  // On the API router itself (not a nested one): every test that walks the routes finds them at their paths.
  routes.get('/campaigns/:id/report', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(CampaignParams, req.params);
    parse(CampaignReportQuery, req.query);
    res.json(await reports.report(id));
  });
  routes.get('/campaigns/:id/report.xlsx', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(CampaignParams, req.params);
    const { lang } = parse(CampaignReportQuery, req.query);
    const report = await reports.report(id);
    const day = report.generatedAt.slice(0, 10);
    const title = lang === 'en' ? 'campaign-report' : '活动总结';
    res
      .set('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .set('Content-Disposition', `attachment; filename="campaign-report-${asciiName(id)}-${day}.xlsx"; filename*=UTF-8''${encodeURIComponent(`${title}-${report.campaign.name}-${day}.xlsx`)}`);
    try {
      await writeReportWorkbook(report, lang, res, timeZone);
      res.end();
    } catch (error) {
      if (!res.headersSent) throw error;
      res.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  });
}
